// x-credits-* on job answers come from a per-replica memory (src/ledger/balance-cache.ts) that every
// movement of credits invalidates through NOTIFY: money moved through another replica shows within the notice's
// delay, and while the change feed is down every answer reads the database.
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import pg from 'pg'
import { Decimal } from 'decimal.js'
import { CHANGE_FEED_APPLICATION } from '../../../src/db/change-feed.ts'
import { charge, placeHold, refund, releaseHold } from '../../../src/ledger/money.ts'
import { currentPeriod, recordAdjustment, USAGE_CHANNEL } from '../../../src/ledger/usage.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { client, type Client } from '../../helpers/http.ts'
import { buildTestGateway, listen } from '../../helpers/gateway.ts'
import { makeKey } from '../../helpers/factories.ts'

async function secondReplica (t: Test, bed: Bed): Promise<Client> {
  const gw = await buildTestGateway(t, { databaseUrl: bed.gw.databaseUrl, upstream: bed.gw.upstream })
  return client(await listen(gw), bed.key.key)
}

/** Polls until the answer's header has the value; returns how long that took (ms), or null after `withinMs`. */
async function headerBecomes (
  read: () => Promise<Headers>,
  name: string,
  value: string,
  withinMs: number
): Promise<number | null> {
  const started = Date.now()
  while (Date.now() - started < withinMs) {
    if ((await read()).get(name) === value) return Date.now() - started
    await sleep(5)
  }
  return null
}

t.test('money moved through another replica shows in this replica\'s job answers at once', async t => {
  const bed = await dataPlaneBed(t)
  const other = await secondReplica(t, bed)
  const first = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  const read = async () => (await bed.api.get(`/api/jobs/${String(first.body.id)}/`)).headers
  const cost = new Decimal(String(first.body.cost_usd))
  t.equal((await read()).get('x-credits-remaining'), new Decimal(100).minus(cost).toFixed(4), 'this replica\'s own create')

  const second = await other.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(second.status, 201, 'a create through the other replica')
  const expected = new Decimal(100).minus(cost).minus(String(second.body.cost_usd)).toFixed(4)
  const took = await headerBecomes(read, 'x-credits-remaining', expected, 1000)
  t.ok(took !== null && took < 1000, `seen here within ${took} ms`)
})

t.test('an unannounced change is not seen while the feed is up; with the feed down every answer reads the database', async t => {
  const bed = await dataPlaneBed(t)
  const job = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  const read = async () => (await bed.api.get(`/api/jobs/${String(job.body.id)}/`)).headers
  t.equal((await read()).get('x-credits-held'), '0.0000')
  // a write that bypasses the ledger (and so its notice): proof that answers come from memory
  await bed.gw.db.$executeRaw`UPDATE team_period_usage SET held = held + 5 WHERE team_id = ${bed.team.id}::uuid`
  t.equal((await read()).get('x-credits-held'), '0.0000', 'kept: nothing announced a change')

  const killed = await bed.gw.db.$queryRaw<unknown[]>`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = ${CHANGE_FEED_APPLICATION} AND datname = current_database()`
  t.equal(killed.length, 1, 'the replica\'s LISTEN connection dropped')
  const took = await headerBecomes(read, 'x-credits-held', '5.0000', 1000)
  t.ok(took !== null, `read from the database once the feed was lost (${took} ms)`)
})

t.test('every movement of credits notifies its team, at commit', async t => {
  const bed = await dataPlaneBed(t)
  const db = bed.gw.db
  const listener = new pg.Client({ connectionString: bed.gw.databaseUrl })
  await listener.connect()
  t.teardown(() => listener.end())
  const heard: string[] = []
  listener.on('notification', message => { if (message.channel === USAGE_CHANNEL) heard.push(message.payload ?? '') })
  await listener.query(`LISTEN ${USAGE_CHANNEL}`)

  const admin = await makeKey(db, { scopes: ['admin'] })
  const period = currentPeriod(bed.team, new Date())
  const job = await db.job.create({
    data: { teamId: bed.team.id, apiKeyId: bed.key.id, source: 'from-url', request: {}, mlModels: [34], periodStart: period.periodStart }
  })
  const m = { ...period, jobId: job.id, apiKeyId: bed.key.id, models: [], amount: new Decimal(1), reason: 'test' }
  const rule = { mode: 'hard' as const, credits: new Decimal(100), overdraft: new Decimal(0) }
  const movements: Array<[string, (tx: Parameters<Parameters<typeof db.$transaction>[0]>[0]) => Promise<unknown>]> = [
    ['hold', tx => placeHold(tx, m, rule)],
    ['release', tx => releaseHold(tx, m)],
    ['charge', tx => charge(tx, m)],
    ['refund', tx => refund(tx, m)],
    ['adjust', tx => recordAdjustment(tx, { ...period, amount: new Decimal(2), reason: 'test', actorKeyId: admin.id })]
  ]
  for (const [kind, move] of movements) {
    const before = heard.length
    await db.$transaction(async tx => {
      await move(tx)
      await sleep(50)
      t.equal(heard.length, before, `${kind}: nothing announced before the commit`)
    })
    for (let i = 0; i < 100 && heard.length === before; i++) await sleep(10)
    t.same(heard.slice(before), [bed.team.id], `${kind}: one notice naming the team`)
  }
})
