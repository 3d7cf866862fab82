// An over-budget cancel TensorPix refuses (over-budget-cancel.test.ts: the rest). A 409 is no confirmation:
// TensorPix's simulator also answers it for a job that already finished, so the job's status decides. A cancel
// refused MAX_CANCEL_ATTEMPTS times is given up (abandoned) rather than retried every minute for ever.
import t from 'tap'
import { eventually } from '../../helpers/async.ts'
import { assertBooks } from '../../helpers/ledger.ts'
import { CANCEL_PENDING, overBudgetBed } from '../../helpers/money-bed.ts'
import { metricValue } from '../../helpers/prometheus.ts'
import { MAX_CANCEL_ATTEMPTS } from '../../../src/jobs/over-budget.ts'

const DELETE = 'DELETE /api/jobs/:id/'
const GET = 'GET /api/jobs/:id/'

t.test('a 409 for a job that finished meanwhile is no confirmation: the job is overtaken and charged', async t => {
  const bed = await overBudgetBed(t)
  // the job's status is unreadable for now, so the cancel cannot learn from it that the job finished
  const { res, job } = await bed.overBudgetCreate([
    { kind: 'rate_limit', route: DELETE, times: 1, retryAfterSeconds: 1 },
    { kind: 'error', route: GET, status: 503, times: 100_000 }
  ], 'over-409')
  t.match(res.body.detail, CANCEL_PENDING, 'the first DELETE was throttled')
  await bed.sim.complete(job.upstreamId as number)
  t.ok(await eventually(async () => (await bed.jobOf(job.id)).cancelError === 'TensorPix answered HTTP 409', 20_000, 100),
    'the next DELETE is answered 409: the job has finished')
  const refused = await bed.jobOf(job.id)
  t.equal(refused.overBudgetCancel, 'pending', 'a 409 does not confirm the cancel')
  t.match((await bed.create('over-409')).body.detail, CANCEL_PENDING, 'nor does a replay say it was cancelled')

  await bed.sim.clearFaults()
  t.ok(await eventually(async () => (await bed.jobOf(job.id)).state === 'finished', 30_000, 200), 'its status is read')
  const ended = await bed.jobOf(job.id)
  t.equal(ended.overBudgetCancel, 'overtaken', 'the job finished before a cancel landed')
  t.equal(ended.cancelNextAt, null, 'and the retries stopped')
  t.equal(ended.overspentCredits?.toFixed(4), bed.cost.minus(bed.budget).toFixed(4))
  const replay = await bed.create('over-409')
  t.equal(replay.status, 402)
  t.match(replay.body.detail, /it finished before it could be cancelled at TensorPix; it is charged/,
    'a replay tells the truth: finished and charged')
  t.notMatch(replay.body.detail, /it was cancelled/)
  await assertBooks(t, bed.db, { sim: bed.sim })
})

t.test('a cancel refused too often is given up, with an error on the job', async t => {
  const bed = await overBudgetBed(t)
  const refusing = { kind: 'error', route: DELETE, status: 404, times: 100_000 } as const
  const { res, job } = await bed.overBudgetCreate([refusing], 'over-404')
  t.match(res.body.detail, CANCEL_PENDING)
  t.equal((await bed.jobOf(job.id)).cancelError, 'TensorPix answered HTTP 404')
  // skip the hour of tries before the last one (the worker's write of a try raced by this one is fenced off)
  const lastTry = { cancelAttempts: MAX_CANCEL_ATTEMPTS - 1, cancelNextAt: new Date() }
  await bed.db.job.update({ where: { id: job.id }, data: lastTry })
  t.ok(await eventually(async () => (await bed.jobOf(job.id)).overBudgetCancel === 'abandoned', 20_000, 100),
    'the last refusal gives the cancel up')
  const abandoned = await bed.jobOf(job.id)
  t.equal(abandoned.cancelAttempts, MAX_CANCEL_ATTEMPTS)
  t.equal(abandoned.cancelNextAt, null, 'no more tries')
  t.match(abandoned.error, `over-budget cancel abandoned after ${MAX_CANCEL_ATTEMPTS} tries: TensorPix answered HTTP 404`)
  t.equal(abandoned.state, 'queued', 'the job runs on at TensorPix')
  t.match((await bed.create('over-404')).body.detail, /its cancellation at TensorPix was refused too often and given up/)
  const metrics = await bed.scrape()
  t.equal(metricValue(metrics, 'tpx_over_budget_cancels', { team: bed.team.slug, state: 'abandoned' }), 1)
  t.equal(metricValue(metrics, 'tpx_over_budget_cancel_oldest_pending_seconds'), 0, 'nothing pending')

  await bed.sim.complete(job.upstreamId as number)
  t.ok(await eventually(async () => (await bed.jobOf(job.id)).state === 'finished', 30_000, 200), 'the sync still follows it')
  const ended = await bed.jobOf(job.id)
  t.equal(ended.overBudgetCancel, 'abandoned', 'a cancel given up stays so')
  t.equal(ended.overspentCredits?.toFixed(4), bed.cost.minus(bed.budget).toFixed(4), 'and its end records the overspend')
  t.match((await bed.create('over-404')).body.detail, /it finished before it could be cancelled at TensorPix/)
  await assertBooks(t, bed.db, { sim: bed.sim })
})
