// A durable over-budget cancel (issue 15, 3) outlives the gateway process that made it: pending when the process is
// SIGKILLed, carried out by the restarted one's over-budget-cancels worker; and a try that outlived its lease (its
// worker stalled while another took the cancel over) records nothing over the newer tries
// (over-budget-cancel.test.ts: the rest).
import t from 'tap'
import { eventually } from '../../helpers/async.ts'
import { assertBooks, teamUsage } from '../../helpers/ledger.ts'
import { CANCEL_PENDING, overBudgetBed } from '../../helpers/money-bed.ts'
import { workerDeps } from '../../helpers/workers.ts'
import { tryCancel } from '../../../src/jobs/over-budget.ts'

const DELETE = 'DELETE /api/jobs/:id/'

t.test('a cancel pending when the gateway is killed is carried out after the restart', async t => {
  const bed = await overBudgetBed(t)
  const { res, job } = await bed.overBudgetCreate([{ kind: 'error', route: DELETE, status: 503, times: 1000 }])
  t.match(res.body.detail, CANCEL_PENDING)
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

t.test('a try that outlived its lease is fenced off: it records nothing over the tries since', async t => {
  const bed = await overBudgetBed(t)
  const { job } = await bed.overBudgetCreate([{ kind: 'error', route: DELETE, status: 503, times: 1000 }])
  t.ok(await eventually(async () => (await bed.jobOf(job.id)).cancelAttempts >= 2, 10_000, 100), 'the worker keeps trying')
  // claimed when no try had been recorded, and only finishing now
  const stale = { id: job.id, upstreamId: job.upstreamId as number, attempts: 0 }
  t.equal(await tryCancel(workerDeps(t, bed.db, bed.sim), stale, 'stale-try'), 'decided', 'its refusal is not recorded')
  const after = await bed.jobOf(job.id)
  t.ok(after.cancelAttempts >= 2, `the tries since are kept (${after.cancelAttempts})`)
  t.equal(after.overBudgetCancel, 'pending')
})
