// Acceptance "Nothing lost": many creates with ~10 % injected upstream faults of every kind on the create route,
// across two gateway processes, one of which is killed with SIGKILL mid-run and restarted. After the workers settle:
// every upstream job has exactly one gateway job, no hold is left open, and the ledger equals the simulator's money.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Decimal } from 'decimal.js'
import type { FaultRule } from '../../../src/simulator/index.ts'
import { CREATE_DATABASE_ALLOWANCE_MS } from '../../../src/config.ts'
import { reconcileLostCreates } from '../../../src/workers/reconcile.ts'
import { mapBounded } from '../../helpers/async.ts'
import { makeTeamWithKey } from '../../helpers/factories.ts'
import { buildTestGateway } from '../../helpers/gateway.ts'
import { client } from '../../helpers/http.ts'
import { assertBooks, ledgerNetByTeam } from '../../helpers/ledger.ts'
import { startClipServer, startMoneySim } from '../../helpers/money-bed.ts'
import { spawnGateway, type GatewayProcess } from '../../helpers/processes.ts'
import { databaseForTest } from '../../helpers/test-database.ts'
import { settleAll, workerDeps } from '../../helpers/workers.ts'

const CREATES = Number(process.env.MONEY_NOTHING_LOST_CREATES ?? 1000)
// 1000 creates over two processes take about 80 s on a quiet machine and nearly 120 s (tap's default per file) on
// a busy one: the figures it checks do not depend on the time taken
t.setTimeout(300_000)
const WIDTH = 20
const TEAMS = 4
const KILL_AT = Math.floor(CREATES * 0.4)
const GRACE_MS = 3000
const STALE_PENDING_MS = 3000
const HEADERS_TIMEOUT_MS = 800
// the processes' own STALE_PENDING_MS must exceed their longest create in flight (src/config.ts): short upstream
// timeouts plus the database's share; the test's own passes, with nothing in flight, use STALE_PENDING_MS
// (the queue wait stays at its default: a 429 pauses every call for a second)
const UPSTREAM_TIMEOUTS = { UPSTREAM_QUEUE_WAIT_MS: '2000', UPSTREAM_CONNECT_TIMEOUT_MS: '500', UPSTREAM_BODY_TIMEOUT_MS: '800' }
const PROCESS_STALE_PENDING_MS = 2000 + 500 + HEADERS_TIMEOUT_MS + 800 + CREATE_DATABASE_ALLOWANCE_MS + 1

const ROUTE = 'POST /api/jobs/from-url/'
// about 10 % of creates meet a fault: the first terminal rule that fires wins, latency adds up
const FAULTS: FaultRule[] = [
  { kind: 'error', route: ROUTE, status: 500, probability: 0.015 },
  { kind: 'error', route: ROUTE, status: 503, probability: 0.015 },
  { kind: 'rate_limit', route: ROUTE, probability: 0.015 },
  { kind: 'reset', route: ROUTE, probability: 0.015 },
  { kind: 'lost_response', route: ROUTE, probability: 0.015 },
  { kind: 'hang', route: ROUTE, probability: 0.01, delayMs: 2000 },
  // some under the gateway's headers timeout (a slow success), some over it (created after the gateway gave up)
  { kind: 'latency', route: ROUTE, probability: 0.02, delayMs: { min: 100, max: 1600 } }
]

t.test(`${CREATES} creates with faults and a SIGKILL: every upstream job has one gateway job and the money adds up`, async t => {
  const database = await databaseForTest(t)
  const db = database.db
  // realtime: reconciliation matches on the upstream job's `started`, which must follow the wall clock
  const sim = await startMoneySim(t, { clock: 'realtime', failureRate: 0.1, seed: 23, queueMs: 500, processingMs: 1500 })
  const clip = await startClipServer(t)

  const cost = await sim.priceOf(clip.body())
  const teamData = { budgetCredits: '100000', maxJobCost: cost.times(3).toFixed(4), urlPolicy: { httpsOnly: false } }
  const teams = await Promise.all(Array.from({ length: TEAMS }, () => makeTeamWithKey(db, teamData)))

  const env = {
    DATABASE_URL: database.url,
    TENSORPIX_BASE_URL: sim.url,
    TENSORPIX_TOKEN: sim.token,
    WORKER_INTERVAL_MS: '500',
    RECONCILE_GRACE_MS: String(GRACE_MS),
    STALE_PENDING_MS: String(PROCESS_STALE_PENDING_MS),
    UPSTREAM_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    ...UPSTREAM_TIMEOUTS
  }
  const gateways = await Promise.all([spawnGateway(t, env), spawnGateway(t, env)]) as [GatewayProcess, GatewayProcess]
  await sim.control('PUT', '/faults', { faults: FAULTS })

  let firstDown = false
  let killing: Promise<void> = Promise.resolve()
  const statuses: number[] = []
  const started = Date.now()
  await mapBounded(Array.from({ length: CREATES }, (_, i) => i), WIDTH, async i => {
    if (i === KILL_AT) {
      killing = (async () => {
        firstDown = true
        await gateways[0].kill('SIGKILL')
        t.comment(`SIGKILLed gateway 1 after ${i} creates (${Date.now() - started} ms)`)
        await gateways[0].restart()
        firstDown = false
        t.comment(`gateway 1 restarted (${Date.now() - started} ms)`)
      })()
    }
    const target = i % 2 === 0 && !firstDown ? gateways[0] : gateways[1]
    const { key } = teams[i % TEAMS] as (typeof teams)[number]
    try {
      const reply = await client(target.url, key.key).post('/api/jobs/from-url/', { json: clip.body(i) })
      statuses[i] = reply.status
    } catch {
      statuses[i] = 0 // the process died under the request
    }
  })
  await killing
  const createMs = Date.now() - started
  const tally = new Map<number, number>()
  for (const s of statuses) tally.set(s, (tally.get(s) ?? 0) + 1)
  t.comment(`${CREATES} creates in ${createMs} ms; answers ${JSON.stringify(Object.fromEntries(tally))} (0 = connection lost)`)
  const fired = (await sim.control<{ rules: Array<{ kind: string, status?: number, fired: number }> }>('GET', '/faults')).rules
  t.comment(`faults fired: ${fired.map(r => `${r.kind}${r.status ? ` ${r.status}` : ''}=${r.fired}`).join(', ')}`)
  t.ok(fired.every(r => r.fired > 0), 'every kind of fault fired at least once')
  t.ok((tally.get(201) ?? 0) > CREATES * 0.8, 'most creates succeeded')
  t.ok(statuses.every(s => [0, 201, 429, 500, 502, 503, 504].includes(s)), 'every answer is a success, a retryable error or a 504')

  // let the processes' own workers reconcile what they can, then stop them and settle the rest from here
  await sim.clearFaults()
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline && await db.job.count({ where: { state: { in: ['pending', 'unknown'] } } }) > 0) await sleep(250)
  const leftForTest = await db.job.count({ where: { state: { in: ['pending', 'unknown'] } } })
  t.comment(`pending/unknown after the processes' workers: ${leftForTest}`)
  await Promise.all(gateways.map(g => g.kill('SIGTERM')))
  await sim.drain()
  const deps = workerDeps(t, db, sim)
  const open = await settleAll(deps, { graceMs: GRACE_MS, stalePendingMs: STALE_PENDING_MS, timeoutMs: 20_000 })
  t.equal(open, 0, 'no job is left pending, unknown, queued or processing')
  if (open > 0) {
    const left = await db.job.findMany({ where: { state: { in: ['pending', 'unknown', 'queued', 'processing'] } }, take: 10 })
    for (const j of left) {
      const upstream = j.upstreamId === null ? null : await sim.job(j.upstreamId)
      t.comment(`open: ${j.state} upstream ${j.upstreamId} (upstream status ${upstream?.status}) error=${j.error} next=${j.nextSyncAt?.toISOString()}`)
    }
  }
  t.comment(`settled ${Date.now() - started} ms after the first create`)

  // every upstream job has exactly one gateway job, and every gateway job with an upstream id exists upstream
  const upstreamJobs = await sim.allJobs()
  const gatewayJobs = await db.job.findMany({
    select: { id: true, teamId: true, upstreamId: true, state: true, error: true }
  })
  const byUpstream = new Map<number, number>()
  for (const j of gatewayJobs) {
    if (j.upstreamId !== null) byUpstream.set(j.upstreamId, (byUpstream.get(j.upstreamId) ?? 0) + 1)
  }
  const orphans = upstreamJobs.filter(u => byUpstream.get(u.id) === undefined).map(u => u.id)
  const doubled = upstreamJobs.filter(u => (byUpstream.get(u.id) ?? 0) > 1).map(u => u.id)
  const upstreamIds = new Set(upstreamJobs.map(u => u.id))
  const phantom = gatewayJobs.filter(j => j.upstreamId !== null && !upstreamIds.has(j.upstreamId))
    .map(j => j.upstreamId)
  t.comment(`upstream jobs: ${upstreamJobs.length}; gateway jobs: ${gatewayJobs.length} (${gatewayJobs.filter(j => j.state === 'rejected').length} rejected)`)
  t.same(orphans, [], 'every upstream job has a gateway job')
  t.same(doubled, [], 'no upstream job has two gateway jobs')
  t.same(phantom, [], 'every gateway upstream id exists upstream')

  // no hold left open; money overall against the simulator's account (to the last 0.0001)
  await assertBooks(t, db, { sim, tolerance: '0.0001' })

  // money per team against the final cost of the team's jobs
  const finalCost = new Map(upstreamJobs.map(u => [u.id, u.status === -1 ? new Decimal(0) : new Decimal(u.cost_usd)]))
  const upstreamById = new Map(upstreamJobs.map(u => [u.id, u]))
  const netByJob = new Map<string, Decimal>()
  for (const row of await db.ledgerEntry.findMany({ where: { kind: { in: ['charge', 'refund'] } } })) {
    if (row.jobId === null) continue
    netByJob.set(row.jobId, (netByJob.get(row.jobId) ?? new Decimal(0))[row.kind === 'charge' ? 'plus' : 'minus'](row.amount.toString()))
  }
  const wrong = gatewayJobs.filter(j => !(netByJob.get(j.id) ?? new Decimal(0))
    .equals(j.upstreamId === null ? 0 : finalCost.get(j.upstreamId) ?? 0))
  for (const j of wrong) {
    t.comment(`ledger ≠ upstream for job ${j.id} (${j.state}, upstream ${j.upstreamId} status ${upstreamById.get(j.upstreamId ?? -1)?.status}, error ${j.error}): net ${netByJob.get(j.id)?.toFixed(4) ?? '0'}`)
  }
  const net = await ledgerNetByTeam(db)
  for (const [n, { team }] of teams.entries()) {
    const expected = gatewayJobs
      .filter(j => j.teamId === team.id && j.upstreamId !== null)
      .reduce((acc, j) => acc.plus(finalCost.get(j.upstreamId as number) ?? 0), new Decimal(0))
    const got = net.get(team.id) ?? new Decimal(0)
    t.ok(got.minus(expected).abs().lte('0.0001'),
      `team ${n + 1}: ledger net ${got.toFixed(4)} equals Σ final cost of its upstream jobs ${expected.toFixed(4)}`)
  }

  // a finished job's output belongs to the team (GET /api/restored-videos/{id}/ is served from these records)
  const finished = await db.job.findMany({ where: { state: 'finished' }, select: { id: true, error: true, outputVideoId: true, upstreamId: true } })
  const owned = new Set((await db.mediaObject.findMany({ where: { kind: 'restored_video' }, select: { jobId: true } })).map(m => m.jobId))
  const unowned = finished.filter(j => !owned.has(j.id))
  t.same(unowned.map(j => j.upstreamId), [], 'every finished job\'s output video is recorded as the team\'s')
})

t.test('a lost create whose upstream job already ended is reconciled with its terminal money', async t => {
  const sim = await startMoneySim(t)
  const clip = await startClipServer(t)
  const gw = await buildTestGateway(t, { upstream: sim.target })
  const cost = await sim.priceOf(clip.body())
  const { team, key } = await makeTeamWithKey(gw.db, {
    budgetCredits: '10', maxJobCost: cost.toFixed(4), urlPolicy: { httpsOnly: false }
  })
  const api = client(gw.app, key.key)

  await sim.fault({ kind: 'lost_response', route: ROUTE })
  const lost: string[] = []
  for (const tag of ['fails', 'finishes']) {
    const res = await api.post('/api/jobs/from-url/', { json: clip.body(tag) })
    t.equal(res.status, 504, `the ${tag} create's answer is lost: 504`)
    lost.push(String(res.body.gateway_job_id))
  }
  await sim.clearFaults()
  const upstream = await sim.allJobs()
  const idOf = (tag: string) =>
    upstream.find(u => (u.input_video as { external_url?: string }).external_url === clip.url(tag))?.id
  const failsId = idOf('fails') as number
  const finishesId = idOf('finishes') as number
  t.ok(failsId && finishesId, 'both jobs exist upstream')
  await sim.fail(failsId)
  await sim.complete(finishesId)

  await reconcileLostCreates(workerDeps(t, gw.db, sim), { graceMs: 60_000, stalePendingMs: 60_000 })
  const [failed, finished] = await Promise.all(lost.map(id => gw.db.job.findUniqueOrThrow({ where: { id } })))
  t.equal(failed?.upstreamId, failsId, 'the failed upstream job is matched to its lost create')
  t.equal(failed?.state, 'failed')
  t.equal(finished?.upstreamId, finishesId, 'the finished upstream job is matched to its lost create')
  t.equal(finished?.state, 'finished')

  const rows = await gw.db.ledgerEntry.findMany({ where: { jobId: failed?.id ?? '' }, orderBy: { id: 'asc' } })
  // TensorPix reports a failed job's net cost (0: refunded in full), so the job nets to nothing, however the
  // rows split it (charge + refund when the create answer was seen, nothing when only the listing was)
  const net = rows.reduce((sum, r) => r.kind === 'charge' ? sum.plus(r.amount.toString()) : r.kind === 'refund' ? sum.minus(r.amount.toString()) : sum, new Decimal(0))
  t.ok(net.isZero(), `the failed job nets to 0 (got ${net.toFixed(4)})`)
  const usage = await gw.db.teamPeriodUsage.findMany({ where: { teamId: team.id } })
  t.ok(new Decimal(usage[0]?.charged.toString() ?? 0).equals(cost), 'the team pays for the finished job only')
  await assertBooks(t, gw.db)
  const output = await gw.db.mediaObject.findFirst({ where: { kind: 'restored_video', jobId: finished?.id ?? '' } })
  t.ok(output, 'the finished job\'s output video is recorded as the team\'s')
})
