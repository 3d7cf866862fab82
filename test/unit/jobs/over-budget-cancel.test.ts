import t from 'tap'
import { Decimal } from 'decimal.js'
import { cancelGivenUp, cancelOutcome, cancelRetryDelayMs, MAX_CANCEL_ATTEMPTS } from '../../../src/jobs/over-budget.ts'
import { overBudgetOutcome } from '../../../src/jobs/over-budget-answer.ts'
import { overspendOf } from '../../../src/jobs/overspend.ts'
import { UpstreamFailure } from '../../../src/upstream/client.ts'
import { SchedulerSaturated } from '../../../src/upstream/fair-scheduler.ts'

const answer = (status: number, headers: Record<string, string> = {}) => ({ status, headers })

t.test('what a DELETE answer means for an over-budget cancel', async t => {
  t.same(cancelOutcome(answer(204)), { confirmed: true }, '2xx: stopped')
  t.match(cancelOutcome(answer(409)), { confirmed: false, mayHaveEnded: true, retryAfterMs: 0 },
    '409: already cancelled, or already finished or failed: the job\'s status decides')
  t.match(cancelOutcome(answer(429, { 'retry-after': '7' })), { confirmed: false, retryAfterMs: 7000, mayHaveEnded: false },
    'a 429 is retried no sooner than TensorPix asks')
  t.match(cancelOutcome(answer(429)), { confirmed: false, retryAfterMs: 5000 }, 'without Retry-After: the transport\'s pause')
  t.match(cancelOutcome(answer(500)), { confirmed: false, retryAfterMs: 0, mayHaveEnded: false, reason: 'TensorPix answered HTTP 500' },
    '500 (cancellation failed): retried')
  t.match(cancelOutcome(answer(400)), { confirmed: false, mayHaveEnded: true }, 'a 400 may mean the job ended: read it')
  t.match(cancelOutcome(new UpstreamFailure('saturated', false, new SchedulerSaturated(3))),
    { confirmed: false, retryAfterMs: 3000, reason: 'upstream saturated' }, 'no slot: retried after the scheduler\'s pause')
  t.match(cancelOutcome(new UpstreamFailure('reset', true, new Error('socket hang up'))),
    { confirmed: false, retryAfterMs: 0, mayHaveEnded: false }, 'a lost answer is retried (a DELETE is safe to repeat)')
})

t.test('retries back off from 1 s to a minute, never sooner than asked', async t => {
  t.same([1, 2, 3, 4, 7, 8, 50].map(n => cancelRetryDelayMs(n, 0)), [1000, 2000, 4000, 8000, 60_000, 60_000, 60_000])
  t.equal(cancelRetryDelayMs(1, 9000), 9000)
  t.equal(cancelRetryDelayMs(7, 9000), 60_000)
})

t.test('a cancel refused too often is given up', async t => {
  t.equal(MAX_CANCEL_ATTEMPTS, 60)
  t.notOk(cancelGivenUp(MAX_CANCEL_ATTEMPTS - 1))
  t.ok(cancelGivenUp(MAX_CANCEL_ATTEMPTS))
})

t.test('what an over-budget job\'s 402 tells: its end, else its cancel', async t => {
  const told = (state: 'queued' | 'processing' | 'finished' | 'failed' | 'cancelled',
    overBudgetCancel: 'pending' | 'confirmed' | 'overtaken' | 'abandoned') => overBudgetOutcome({ state, overBudgetCancel })
  t.equal(told('processing', 'pending'), 'pending')
  t.equal(told('processing', 'confirmed'), 'cancelled', 'confirmed, the cancellation not synced yet')
  t.equal(told('queued', 'abandoned'), 'abandoned')
  t.equal(told('cancelled', 'confirmed'), 'cancelled')
  t.equal(told('cancelled', 'abandoned'), 'cancelled', 'somebody else cancelled it')
  t.equal(told('finished', 'overtaken'), 'ended')
  t.equal(told('failed', 'overtaken'), 'ended')
})

t.test('the overspend is how far the job took the team past its budget, at most what TensorPix kept', async t => {
  const overspend = (kept: string, charged: string, budget: string) => overspendOf(kept, charged, budget).toFixed(4)
  t.equal(overspend('0.2000', '0.2000', '0.6000'), '0.0000', 'kept some, the team still within its budget')
  t.equal(overspend('1.0000', '1.0000', '0.6000'), '0.4000', 'only the part past the budget')
  t.equal(overspend('0.3000', '2.0000', '0.6000'), '0.3000', 'the team was past its budget already: all it kept')
  t.equal(overspend('0.0000', '2.0000', '0.6000'), '0.0000', 'nothing kept, nothing overspent')
  t.equal(overspendOf(new Decimal('0.5'), new Decimal('0.5'), new Decimal('0')).toFixed(4), '0.5000', 'of Decimals too')
})
