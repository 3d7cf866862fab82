import t from 'tap'
import { MAX_RETRY_DELAY_MS, outcomeAfter, retryDelayMs } from '../../../src/webhooks/retry.ts'

t.test('exponential backoff between half and all of base × 2^(n−1), capped', async t => {
  t.equal(retryDelayMs(1, 1000, () => 0), 500)
  t.equal(retryDelayMs(1, 1000, () => 1), 1000)
  t.equal(retryDelayMs(3, 1000, () => 0), 2000)
  t.equal(retryDelayMs(3, 1000, () => 1), 4000)
  t.equal(retryDelayMs(40, 1000, () => 1), MAX_RETRY_DELAY_MS)
  const spread = new Set(Array.from({ length: 50 }, () => retryDelayMs(2, 1000)))
  t.ok(spread.size > 10, 'jitter spreads retries')
  for (const d of spread) t.ok(d >= 1000 && d <= 2000)
})

t.test('a delivery is delivered on success, pending until the last attempt, then failed', async t => {
  t.equal(outcomeAfter(1, 3, true), 'delivered')
  t.equal(outcomeAfter(3, 3, true), 'delivered')
  t.equal(outcomeAfter(1, 3, false), 'pending')
  t.equal(outcomeAfter(2, 3, false), 'pending')
  t.equal(outcomeAfter(3, 3, false), 'failed')
})
