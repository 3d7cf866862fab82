// Acceptance "Nothing lost": many creates with ~10 % injected upstream faults of every kind on the create route,
// across two gateway processes, one of which is killed with SIGKILL mid-run and restarted. After the workers settle:
// every upstream job has exactly one gateway job, no hold is left open, and the ledger equals the simulator's money.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Decimal } from 'decimal.js'
import { createDb } from '../../../src/db/client.ts'
import type { FaultRule } from '../../../src/simulator/index.ts'
import { reconcileLostCreates } from '../../../src/workers/reconcile.ts'
import { makeKey, makeTeam } from '../../helpers/factories.ts'
import { buildTestGateway } from '../../helpers/gateway.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import {
  call, invariantViolations, ledgerNetByTeam, mapBounded, settleAll, spawnGateway, startClipServer, startMoneySim,
  totalHeld, workerDeps, type GatewayProcess
} from '../../helpers/money-bed.ts'

const CREATES = Number(process.env.MONEY_NOTHING_LOST_CREATES ?? 1000)
const WIDTH = 20
const TEAMS = 4
const KILL_AT = Math.floor(CREATES * 0.4)
const GRACE_MS = 3000
const STALE_PENDING_MS = 3000
const HEADERS_TIMEOUT_MS = 800

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
  const database = await createTestDatabase()
  t.teardown(database.drop)
  // realtime: reconciliation matches on the upstream job's `started`, which must follow the wall clock
  const sim = await startMoneySim(t, { clock: 'realtime', failureRate: 0.1, seed: 23, queueMs: 500, processingMs: 1500 })
  const clip = await startClipServer(t)
  const db = createDb({ url: database.url })
  t.teardown(() => db.$disconnect())

  const cost = await sim.priceOf({ video_url: clip.url(), ml_models: [34] })
  const teams = await Promise.all(Array.from({ length: TEAMS }, async () => {
    const team = await makeTeam(db, { budgetCredits: '100000', maxJobCost: cost.times(3).toFixed(4), urlPolicy: { httpsOnly: false } })
    const key = await makeKey(db, { teamId: team.id, scopes: ['jobs:read', 'jobs:write'] })
    return { team, key }
  }))

  const env = {
    DATABASE_URL: database.url,
    TENSORPIX_BASE_URL: sim.url,
    TENSORPIX_TOKEN: sim.token,
    WORKER_INTERVAL_MS: '500',
    RECONCILE_GRACE_MS: String(GRACE_MS),
    STALE_PENDING_MS: String(STALE_PENDING_MS),
    UPSTREAM_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS)
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
      const reply = await call(target.url, 'POST', '/api/jobs/from-url/', { key: key.key, json: { video_url: clip.url(i), ml_models: [34] } })
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
  const gatewayJobs = await db.job.findMany({ select: { id: true, teamId: true, upstreamId: true, state: true, error: true } })
  const byUpstream = new Map<number, number>()
  for (const j of gatewayJobs) if (j.upstreamId !== null) byUpstream.set(j.upstreamId, (byUpstream.get(j.upstreamId) ?? 0) + 1)
  const orphans = upstreamJobs.filter(u => byUpstream.get(u.id) === undefined).map(u => u.id)
  const doubled = upstreamJobs.filter(u => (byUpstream.get(u.id) ?? 0) > 1).map(u => u.id)
  const upstreamIds = new Set(upstreamJobs.map(u => u.id))
  const phantom = gatewayJobs.filter(j => j.upstreamId !== null && !upstreamIds.has(j.upstreamId)).map(j => j.upstreamId)
  t.comment(`upstream jobs: ${upstreamJobs.length}; gateway jobs: ${gatewayJobs.length} (${gatewayJobs.filter(j => j.state === 'rejected').length} rejected)`)
  t.same(orphans, [], 'every upstream job has a gateway job')
  t.same(doubled, [], 'no upstream job has two gateway jobs')
  t.same(phantom, [], 'every gateway upstream id exists upstream')

  // no hold left open
  t.ok((await totalHeld(db)).isZero(), 'Σ held over the usage rows is 0')
  t.same(await invariantViolations(db), [], 'usage rows equal the re-summed ledger')

  // money: overall against the simulator's account, per team against the final cost of the team's jobs
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
  const account = await sim.account()
  const net = await ledgerNetByTeam(db)
  const ledgerTotal = [...net.values()].reduce((a, b) => a.plus(b), new Decimal(0))
  const simNet = new Decimal(account.credits_charged).minus(account.credits_refunded)
  t.ok(ledgerTotal.minus(simNet).abs().lte('0.0001'),
    `ledger net ${ledgerTotal.toFixed(4)} equals the simulator's charged − refunded ${simNet.toFixed(4)}`)
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
  const gw = await buildTestGateway(t, { upstream: { baseUrl: sim.url, token: sim.token, simulated: true } })
  const cost = await sim.priceOf({ video_url: clip.url(), ml_models: [34] })
  const team = await makeTeam(gw.db, { budgetCredits: '10', maxJobCost: cost.toFixed(4), urlPolicy: { httpsOnly: false } })
  const key = await makeKey(gw.db, { teamId: team.id, scopes: ['jobs:read', 'jobs:write'] })

  await sim.fault({ kind: 'lost_response', route: ROUTE })
  const lost: string[] = []
  for (const tag of ['fails', 'finishes']) {
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/jobs/from-url/',
      headers: { authorization: `Token ${key.key}` },
      payload: { video_url: clip.url(tag), ml_models: [34] }
    })
    t.equal(res.statusCode, 504, `the ${tag} create's answer is lost: 504`)
    lost.push(String((res.json() as { gateway_job_id: string }).gateway_job_id))
  }
  await sim.clearFaults()
  const upstream = await sim.allJobs()
  const idOf = (tag: string) => upstream.find(u => (u.input_video as { external_url?: string }).external_url === clip.url(tag))?.id
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
  t.ok((await totalHeld(gw.db)).isZero(), 'no hold left')
  t.same(await invariantViolations(gw.db), [], 'usage rows equal the re-summed ledger')
  const output = await gw.db.mediaObject.findFirst({ where: { kind: 'restored_video', jobId: finished?.id ?? '' } })
  t.ok(output, 'the finished job\'s output video is recorded as the team\'s')
})
