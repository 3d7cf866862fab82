// An actual cost that breaks a hard budget is cancelled at TensorPix durably (issue 15, 3): the request path tries
// the DELETE once and answers at once, saying whether TensorPix confirmed it; the over-budget-cancels worker of a
// gateway process retries it until TensorPix confirms or the job ends (after a restart:
// over-budget-cancel-restart.test.ts). The overspend is what TensorPix kept of the job: recorded on it, on the
// metrics, and announced as budget.overspent.
import t from 'tap'
import { Decimal } from 'decimal.js'
import { eventually } from '../../helpers/async.ts'
import { assertBooks, teamUsage } from '../../helpers/ledger.ts'
import { CANCEL_PENDING, overBudgetBed } from '../../helpers/money-bed.ts'
import { metricValue } from '../../helpers/prometheus.ts'

const DELETE = 'DELETE /api/jobs/:id/'

t.test('a cancel TensorPix throttles is retried until it lands; the overspend is what TensorPix kept', async t => {
  const bed = await overBudgetBed(t)
  const throttled = { kind: 'rate_limit', route: DELETE, times: 3, retryAfterSeconds: 1 } as const
  const { res, job } = await bed.overBudgetCreate([throttled], 'over-budget-1')
  t.match(res.body.detail, CANCEL_PENDING, 'the answer says the cancel is not confirmed yet')
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
  const replay = await bed.create('over-budget-1')
  t.equal(replay.headers.get('idempotent-replayed'), 'true')
  t.match(replay.body.detail, /it was cancelled at TensorPix/, 'a replay of the create says the cancel is confirmed now')

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

t.test('a job that finishes before its cancel lands is charged as TensorPix did and announced as overspent', async t => {
  const bed = await overBudgetBed(t)
  const { res, job } = await bed.overBudgetCreate([{ kind: 'error', route: DELETE, status: 503, times: 1000 }])
  t.match(res.body.detail, CANCEL_PENDING)
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
