import t from 'tap'
import { cancelOutcome, cancelRetryDelayMs } from '../../../src/jobs/over-budget.ts'
import { UpstreamFailure } from '../../../src/upstream/client.ts'
import { SchedulerSaturated } from '../../../src/upstream/fair-scheduler.ts'

const answer = (status: number, headers: Record<string, string> = {}) => ({ status, headers })

t.test('what a DELETE answer means for an over-budget cancel', async t => {
  t.same(cancelOutcome(answer(204)), { confirmed: true }, '2xx: stopped')
  t.same(cancelOutcome(answer(409)), { confirmed: true }, '409: already cancelled (or already ended)')
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
