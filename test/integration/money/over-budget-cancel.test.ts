// An actual cost that breaks a hard budget is cancelled at TensorPix durably (issue 15, 3): the request path tries
// the DELETE once and answers at once, saying whether TensorPix confirmed it; the over-budget-cancels worker of a
// gateway process retries it until TensorPix confirms or the job ends, also after the process was killed. The
// overspend is what TensorPix kept of the job: recorded on it, on the metrics, and announced as budget.overspent.
import t from 'tap'
import { Decimal } from 'decimal.js'
import pino from 'pino'
import type { Test } from 'tap'
import type { FaultRule } from '../../../src/simulator/index.ts'
import { createScraper } from '../../../src/metrics/scrape.ts'
import { eventually } from '../../helpers/async.ts'
import { makeTeamWithKey } from '../../helpers/factories.ts'
import { client } from '../../helpers/http.ts'
import { assertBooks, teamUsage } from '../../helpers/ledger.ts'
import { startClipServer, startMoneySim } from '../../helpers/money-bed.ts'
import { spawnGateway } from '../../helpers/processes.ts'
import { metricValue, parseMetrics } from '../../helpers/prometheus.ts'
import { databaseForTest } from '../../helpers/test-database.ts'

const DELETE = 'DELETE /api/jobs/:id/'
const PENDING = /more than the team has left; its cancellation at TensorPix is pending/

/**
 * A gateway process with its workers on a short interval, one team whose hold (maxJobCost, half the clip's cost)
 * fits its hard budget (0.6 of the cost) while the actual cost does not, and a webhook endpoint for its events.
 */
async function overBudgetBed (t: Test) {
  const database = await databaseForTest(t)
  const db = database.db
  const sim = await startMoneySim(t)
  const clip = await startClipServer(t)
  const cost = await sim.priceOf(clip.body())
  const budget = cost.times(0.6).toDecimalPlaces(4)
  const { team, key } = await makeTeamWithKey(db, {
    budgetCredits: budget.toFixed(4),
    maxJobCost: cost.dividedBy(2).toDecimalPlaces(4).toFixed(4),
    urlPolicy: { httpsOnly: false }
  })
  // never reached: the events are read from the outbox
  await db.webhookEndpoint.create({ data: { teamId: team.id, url: 'https://hooks.example.test/tpx', secret: 'whsec_over', events: [] } })
  const gateway = await spawnGateway(t, {
    DATABASE_URL: database.url, TENSORPIX_BASE_URL: sim.url, TENSORPIX_TOKEN: sim.token, WORKER_INTERVAL_MS: '200'
  })
  const api = client(gateway.url, key.key)
  /** An over-budget create with the given faults on TensorPix: its 402 and the gateway's job. */
  const overBudgetCreate = async (faults: FaultRule[]) => {
    for (const fault of faults) await sim.fault(fault)
    const res = await api.post('/api/jobs/from-url/', { json: clip.body() })
    t.equal(res.status, 402, 'the actual cost breaks the hard budget')
    return { res, job: await db.job.findFirstOrThrow({ where: { teamId: team.id } }) }
  }
  const jobOf = (id: string) => db.job.findUniqueOrThrow({ where: { id } })
  const overspentEvents = async () => (await db.webhookDelivery.findMany({ where: { teamId: team.id, eventType: 'budget.overspent' } }))
    .map(d => (d.payload as { data: Record<string, unknown> }).data)
  const scrape = async () => parseMetrics(await createScraper({
    db, keyCache: { hits: 0, misses: 0 }, stalePendingMs: 60_000, log: pino({ level: 'silent' })
  }).scrape())
  return { db, sim, team, cost, budget, gateway, overBudgetCreate, jobOf, overspentEvents, scrape }
}

t.test('a cancel TensorPix throttles is retried until it lands; the overspend is what TensorPix kept', async t => {
  const bed = await overBudgetBed(t)
  const { res, job } = await bed.overBudgetCreate([{ kind: 'rate_limit', route: DELETE, times: 3, retryAfterSeconds: 1 }])
  t.match(res.body.detail, PENDING, 'the answer says the cancel is not confirmed yet')
  t.equal(job.overBudgetCancel, 'pending', 'the job record shows the cancel pending')
  const pending = await bed.scrape()
  t.equal(metricValue(pending, 'tpx_over_budget_cancels', { state: 'pending' }), 1, 'the metrics show it pending')
  // it runs while the cancel waits: TensorPix keeps part of a job cancelled while processing
  await bed.sim.advance(job.upstreamId as number)

  t.ok(await eventually(async () => (await bed.jobOf(job.id)).state === 'cancelled', 30_000, 200),
    'the worker retried the DELETE past the 429s and the job ended cancelled')
  t.equal((await bed.sim.job(job.upstreamId as number)).status, -2, 'cancelled at TensorPix')
  const ended = await bed.jobOf(job.id)
  t.equal(ended.overBudgetCancel, 'confirmed')
  t.equal(ended.cancelAttempts, 4, 'three throttled tries, then the one TensorPix confirmed')

  const kept = new Decimal((await bed.sim.job(job.upstreamId as number)).cost_usd ?? 0)
  t.ok(kept.gt(0) && kept.lt(bed.cost), `TensorPix kept part of it (${kept.toFixed(4)} of ${bed.cost.toFixed(4)})`)
  t.equal(ended.overspentCredits?.toFixed(4), kept.toFixed(4), 'the job records what TensorPix kept as its overspend')
  const usage = await teamUsage(bed.db, bed.team.id)
  t.equal(usage.charged, kept.toFixed(4), 'the team is charged what TensorPix kept, no more')
  t.ok(new Decimal(usage.charged).minus(bed.budget).lte(kept), 'the hard budget is overspent by at most what TensorPix kept')
  const [event] = await bed.overspentEvents()
  t.match(event, { jobId: job.id, state: 'cancelled', cancel: 'confirmed', overspent: kept.toFixed(4) }, 'and announced')
  const after = await bed.scrape()
  t.equal(metricValue(after, 'tpx_over_budget_cancels', { state: 'pending' }), 0, 'nothing pending any more')
  t.equal(metricValue(after, 'tpx_over_budget_overspent_credits', { team: bed.team.slug }), kept.toNumber())
  await assertBooks(t, bed.db, { sim: bed.sim })
})

t.test('a cancel pending when the gateway is killed is carried out after the restart', async t => {
  const bed = await overBudgetBed(t)
  const { res, job } = await bed.overBudgetCreate([{ kind: 'error', route: DELETE, status: 503, times: 1000 }])
  t.match(res.body.detail, PENDING)
  t.ok(await eventually(async () => (await bed.jobOf(job.id)).cancelAttempts >= 2, 10_000, 100), 'the worker keeps trying')
  await bed.gateway.kill('SIGKILL')
  await bed.sim.clearFaults()
  await bed.gateway.restart()
  t.ok(await eventually(async () => (await bed.jobOf(job.id)).state === 'cancelled', 90_000, 200),
    'the restarted gateway cancelled it (after the dead try\'s lease)')
  t.equal((await bed.sim.job(job.upstreamId as number)).status, -2)
  t.equal((await bed.jobOf(job.id)).overBudgetCancel, 'confirmed')
  t.same(await teamUsage(bed.db, bed.team.id), { charged: '0.0000', held: '0.0000', adjusted: '0.0000' },
    'cancelled while queued: TensorPix refunded it all, and so did the gateway')
  t.same(await bed.overspentEvents(), [], 'nothing kept, nothing overspent')
  await assertBooks(t, bed.db, { sim: bed.sim })
})

t.test('a job that finishes before its cancel lands is charged as TensorPix did and announced as overspent', async t => {
  const bed = await overBudgetBed(t)
  const { res, job } = await bed.overBudgetCreate([{ kind: 'error', route: DELETE, status: 503, times: 1000 }])
  t.match(res.body.detail, PENDING)
  await bed.sim.complete(job.upstreamId as number)
  t.ok(await eventually(async () => (await bed.jobOf(job.id)).state === 'finished', 30_000, 200), 'the status sync saw it finish')
  const ended = await bed.jobOf(job.id)
  t.equal(ended.overBudgetCancel, 'overtaken', 'the end stopped the retries')
  t.equal(ended.cancelNextAt, null)
  t.equal(ended.overspentCredits?.toFixed(4), bed.cost.toFixed(4), 'TensorPix kept all of it')
  const attempts = ended.cancelAttempts
  const [event] = await bed.overspentEvents()
  t.match(event, {
    jobId: job.id,
    upstreamId: job.upstreamId,
    state: 'finished',
    cancel: 'overtaken',
    overspent: bed.cost.toFixed(4),
    budget: bed.budget.toFixed(4),
    charged: bed.cost.toFixed(4),
    overBudgetBy: bed.cost.minus(bed.budget).toFixed(4)
  }, 'budget.overspent says by how much')
  const metrics = await bed.scrape()
  t.equal(metricValue(metrics, 'tpx_over_budget_overspent_credits', { team: bed.team.slug }), bed.cost.toNumber())
  t.equal(metricValue(metrics, 'tpx_over_budget_cancels', { state: 'overtaken' }), 1)
  await new Promise(resolve => setTimeout(resolve, 1500))
  t.equal((await bed.jobOf(job.id)).cancelAttempts, attempts, 'and no DELETE is tried after the end')
  await assertBooks(t, bed.db, { sim: bed.sim })
})
