// Issue 19, "Short locks on the hot row": every money transaction of a team waits for the team's usage row, so a
// create's transactions lock it with their last statement and hold it only until the COMMIT right after it. Seen
// from the client (the statements each transaction sends after its first one on the row) and from the database (a
// hold waiting for the quotas' lock holds nothing on the row, which another connection can update meanwhile). The
// row's INSERT, which would wait for the row's lock holder too, comes once per process and period.
import t from 'tap'
import { Decimal } from 'decimal.js'
import pg from 'pg'
import { budgetRule, placeHold } from '../../../src/ledger/money.ts'
import { rollupTarget } from '../../../src/ledger/rollup.ts'
import { currentPeriod } from '../../../src/ledger/usage.ts'
import { makeTeamWithKey } from '../../helpers/factories.ts'
import { client, countStatuses } from '../../helpers/http.ts'
import { assertBooks, invariantViolations } from '../../helpers/ledger.ts'
import { eventually } from '../../helpers/async.ts'
import { moneyBed } from '../../helpers/money-bed.ts'
import { databaseForTest } from '../../helpers/test-database.ts'

const CREATE = 'POST /api/jobs/from-url/'

/** Every transaction's statements, BEGIN to COMMIT or ROLLBACK, of every pg client of this process while tracing. */
function traceTransactions () {
  const done: string[][] = []
  const open = new WeakMap<object, string[]>()
  type Query = (this: object, config: unknown, ...rest: unknown[]) => unknown
  const proto = pg.Client.prototype as unknown as { query: Query }
  const query = proto.query
  proto.query = function (config, ...rest) {
    const text = typeof config === 'string' ? config : String((config as { text?: unknown } | null)?.text ?? '')
    if (text === 'BEGIN') open.set(this, [])
    const statements = open.get(this)
    if (statements) {
      statements.push(text)
      if (text === 'COMMIT' || text === 'ROLLBACK') {
        done.push(statements)
        open.delete(this)
      }
    }
    return query.call(this, config, ...rest)
  }
  return { done, stop: () => { proto.query = query } }
}

// a create's transactions: the hold (its first statement is the cancel brackets' gate), and the settlement or
// rejection (which lock the job row first)
const isHold = (tx: string[]) => /pg_try_advisory_xact_lock_shared/.test(tx[1] ?? '')
const isSettlement = (tx: string[]) => /FROM jobs WHERE id = .* FOR UPDATE/.test(tx[1] ?? '')
const onUsageRow = (statement: string) => /team_period_usage/.test(statement)

/**
 * What a transaction sends from its first statement on the usage row on, that row's own statements shortened: the
 * INSERT that makes sure the row exists (before the row's first move in a process) as 'ensure', the move as 'move'.
 */
function fromUsageRowOn (tx: string[]): string[] {
  const first = tx.findIndex(onUsageRow)
  if (first < 0) return []
  return tx.slice(first).map(s => {
    if (/INSERT INTO team_period_usage/.test(s)) return 'ensure'
    return /UPDATE team_period_usage/.test(s) ? 'move' : s.replace(/\s+/g, ' ').slice(0, 80)
  })
}

t.test('a create\'s hold, settlement and rejection send nothing but COMMIT after the statement on the usage row', async t => {
  const { sim, clip, gw, origin, cost } = await moneyBed(t)
  // quotas (team and key), a hold of the actual cost, and a budget no alert threshold is near
  const { key } = await makeTeamWithKey(gw.db, {
    budgetCredits: cost.times(1000).toFixed(4),
    maxJobCost: cost.toFixed(4),
    maxConcurrentJobs: 100,
    maxJobsPerDay: 100,
    urlPolicy: { httpsOnly: false }
  })
  await gw.db.apiKey.update({ where: { id: key.id }, data: { maxConcurrentJobs: 100 } })
  const api = client(origin, key.key)
  const trace = traceTransactions()
  t.teardown(trace.stop)
  const replies = [
    await api.post('/api/jobs/from-url/', { json: clip.body(0) }),
    await api.post('/api/jobs/from-url/', { json: clip.body(1) }, { 'idempotency-key': 'short-locks-1' }),
    ...await Promise.all(Array.from({ length: 6 }, (_, i) => api.post('/api/jobs/from-url/', { json: clip.body(10 + i) })))
  ]
  await sim.control('PUT', '/faults', { faults: [{ route: CREATE, times: 1, kind: 'error', status: 400, detail: 'no' }] })
  const refused = await api.post('/api/jobs/from-url/', { json: clip.body(99) })
  trace.stop()
  t.same(countStatuses(replies), { 201: 8 }, 'eight creates')
  t.equal(refused.status, 400, 'and one TensorPix refused')

  const holds = trace.done.filter(isHold)
  const settlements = trace.done.filter(isSettlement)
  t.equal(holds.length, 9, 'nine hold transactions traced')
  t.equal(settlements.length, 9, 'eight settlements and one rejection traced')
  for (const [name, txs] of [['hold', holds], ['settlement', settlements]] as const) {
    txs.forEach((tx, i) => {
      const tail = fromUsageRowOn(tx)
      // the row's first hold in this process makes sure the row exists, just before it
      t.same(tail[0] === 'ensure' ? tail.slice(1) : tail, ['move', 'COMMIT'], `${name} ${i + 1}: the row's move, then COMMIT`)
    })
  }
  t.equal(holds.filter(tx => tx.some(s => /INSERT INTO team_period_usage/.test(s))).length, 1,
    'the usage row is ensured once per process and period, not by every hold')
  await assertBooks(t, gw.db, { sim })
})

t.test('a hold waiting for the quotas\' lock holds nothing on the usage row', async t => {
  const { clip, gw, origin, cost } = await moneyBed(t)
  const { team, key } = await makeTeamWithKey(gw.db, {
    maxJobCost: cost.toFixed(4), maxConcurrentJobs: 100, urlPolicy: { httpsOnly: false }
  })
  const api = client(origin, key.key)
  t.equal((await api.post('/api/jobs/from-url/', { json: clip.body(0) })).status, 201, 'a first create: the usage row exists')

  const connect = async () => {
    const c = new pg.Client({ connectionString: gw.databaseUrl })
    await c.connect()
    t.teardown(() => c.end())
    return c
  }
  const [blocker, observer] = [await connect(), await connect()]
  // the quotas' lock, taken first by another transaction: the next create's hold waits for it
  await blocker.query('BEGIN')
  await blocker.query('SELECT 1 FROM teams WHERE id = $1 FOR NO KEY UPDATE', [team.id])
  const pending = api.post('/api/jobs/from-url/', { json: clip.body(1) })
  let waiting: number | null = null
  t.ok(await eventually(async () => {
    const { rows } = await observer.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM teams%FOR NO KEY UPDATE%'`)
    waiting = rows[0]?.pid ?? null
    return waiting !== null
  }, 10_000), 'the create\'s hold waits for the team row')

  const { rows: locks } = await observer.query<{ mode: string }>(`SELECT mode FROM pg_locks
    WHERE pid = $1 AND relation = 'team_period_usage'::regclass`, [waiting])
  t.same(locks, [], 'its transaction has not touched the usage table')
  await observer.query('SET lock_timeout = 2000')
  const probe = await observer.query('UPDATE team_period_usage SET updated_at = updated_at WHERE team_id = $1', [team.id])
    .then(res => `${res.rowCount} row updated`, (err: Error) => err.message)
  t.equal(probe, '1 row updated', 'another transaction updates the team\'s usage row meanwhile, without waiting')

  await blocker.query('COMMIT')
  t.equal((await pending).status, 201, 'the create goes on once the team row is free')
  await assertBooks(t, gw.db)
})

t.test('the usage row is written once per process and period; one gone all the same is written again', async t => {
  const { db } = await databaseForTest(t)
  const { team, key } = await makeTeamWithKey(db, { budgetMode: 'hard', budgetCredits: '100' })
  const period = currentPeriod(team, new Date())
  const job = await db.job.create({
    data: { teamId: team.id, apiKeyId: key.id, source: 'from-url', request: {}, periodStart: period.periodStart }
  })
  const hold = (amount: string) => db.$transaction(tx => placeHold(tx, {
    ...period, ...rollupTarget(job), jobId: job.id, amount: new Decimal(amount), reason: 'hold'
  }, budgetRule(team)))
  t.same(await hold('10'), { charged: '0.0000', held: '10.0000', adjusted: '0.0000' }, 'the first hold writes the row')
  // never done by the gateway: a row this process knows of, gone
  await db.$executeRaw`DELETE FROM ledger_entries WHERE team_id = ${team.id}::uuid`
  await db.$executeRaw`DELETE FROM team_period_usage WHERE team_id = ${team.id}::uuid`
  t.same(await hold('5'), { charged: '0.0000', held: '5.0000', adjusted: '0.0000' }, 'a hold, not a refusal: the row is written again')
  t.equal(await hold('96'), null, 'and a hold past the budget is refused')
  t.same(await invariantViolations(db), [], 'the ledger accounts for the usage row')
})
