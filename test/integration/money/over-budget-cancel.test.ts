// An actual cost that breaks a hard budget is cancelled at TensorPix durably (issue 15, 3): the request path tries
// the DELETE once and answers at once, saying whether TensorPix confirmed it; the over-budget-cancels worker of a
// gateway process retries it until TensorPix confirms or the job ends (after a restart:
// over-budget-cancel-restart.test.ts; refused: over-budget-cancel-refused.test.ts). The overspend is how far the job
// took the team past its budget, at most what TensorPix kept of it: recorded on the job, on the metrics, and
// announced as budget.overspent when it is more than nothing. A replay of the create tells how the job ended.
import t from 'tap'
import { Decimal } from 'decimal.js'
import { eventually } from '../../helpers/async.ts'
import { assertBooks, teamUsage } from '../../helpers/ledger.ts'
import { CANCEL_PENDING, overBudgetBed } from '../../helpers/money-bed.ts'
import { metricValue } from '../../helpers/prometheus.ts'

const DELETE = 'DELETE /api/jobs/:id/'

t.test('a cancel TensorPix throttles is retried until it lands; kept within the budget, nothing is overspent', async t => {
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
  t.ok(kept.gt(0) && kept.lt(bed.budget), `TensorPix kept part of it (${kept.toFixed(4)} of ${bed.cost.toFixed(4)}), ` +
    `less than the budget (${bed.budget.toFixed(4)})`)
  const usage = await teamUsage(bed.db, bed.team.id)
  t.equal(usage.charged, kept.toFixed(4), 'the team is charged what TensorPix kept, no more')
  t.equal(ended.overspentCredits?.toFixed(4), '0.0000', 'the team stayed within its budget: nothing overspent')
  t.same(await bed.overspentEvents(), [], 'and nothing announced')
  const after = await bed.scrape()
  t.equal(metricValue(after, 'tpx_over_budget_cancels', { state: 'pending' }), 0, 'nothing pending any more')
  t.equal(metricValue(after, 'tpx_over_budget_cancel_oldest_pending_seconds'), 0)
  t.equal(metricValue(after, 'tpx_over_budget_overspent_credits', { team: bed.team.slug }), 0)
  await assertBooks(t, bed.db, { sim: bed.sim })
})

t.test('a job that finishes before its cancel lands is charged as TensorPix did and announced as overspent', async t => {
  const bed = await overBudgetBed(t)
  const { res, job } = await bed.overBudgetCreate([{ kind: 'error', route: DELETE, status: 503, times: 1000 }], 'over-2')
  t.match(res.body.detail, CANCEL_PENDING)
  t.ok(metricValue(await bed.scrape(), 'tpx_over_budget_cancel_oldest_pending_seconds') >= 0, 'the pending cancel\'s age')
  await bed.sim.complete(job.upstreamId as number)
  t.ok(await eventually(async () => (await bed.jobOf(job.id)).state === 'finished', 30_000, 200), 'the status sync saw it finish')
  const ended = await bed.jobOf(job.id)
  t.equal(ended.overBudgetCancel, 'overtaken', 'the end stopped the retries')
  t.equal(ended.cancelNextAt, null)
  const overspent = bed.cost.minus(bed.budget)
  t.equal(ended.overspentCredits?.toFixed(4), overspent.toFixed(4),
    'TensorPix kept all of it: the overspend is the part past the budget')
  const attempts = ended.cancelAttempts
  const [event] = await bed.overspentEvents()
  t.match(event, {
    jobId: job.id,
    upstreamId: job.upstreamId,
    state: 'finished',
    cancel: 'overtaken',
    overspent: overspent.toFixed(4),
    kept: bed.cost.toFixed(4),
    budget: bed.budget.toFixed(4),
    charged: bed.cost.toFixed(4),
    overBudgetBy: overspent.toFixed(4)
  }, 'budget.overspent says by how much')
  const replay = await bed.create('over-2')
  t.equal(replay.status, 402)
  t.match(replay.body.detail, /it finished before it could be cancelled at TensorPix; it is charged/,
    'a replay of the create says how it ended')
  const metrics = await bed.scrape()
  t.equal(metricValue(metrics, 'tpx_over_budget_overspent_credits', { team: bed.team.slug }), overspent.toNumber())
  t.equal(metricValue(metrics, 'tpx_over_budget_cancels', { state: 'overtaken' }), 1)
  await new Promise(resolve => setTimeout(resolve, 1500))
  t.equal((await bed.jobOf(job.id)).cancelAttempts, attempts, 'and no DELETE is tried after the end')
  await assertBooks(t, bed.db, { sim: bed.sim })
})
