import t from 'tap'
import { alertsReached } from '../../../src/webhooks/budget-alerts.ts'

const at = (charged: string, held: string, extra: { credits?: string, adjusted?: string } = {}) =>
  ({ credits: extra.credits ?? '100', adjusted: extra.adjusted ?? '0', charged, held })

t.test('thresholds count held credits as used', async t => {
  t.same(alertsReached(at('0', '0'), [50, 80, 100]), [])
  t.same(alertsReached(at('49.9999', '0'), [50, 80, 100]), [])
  t.same(alertsReached(at('40', '10'), [50, 80, 100]), ['threshold:50'])
  t.same(alertsReached(at('0', '85'), [100, 50, 80]), ['threshold:50', 'threshold:80'], 'ascending whatever the order given')
  t.same(alertsReached(at('90', '10'), [50, 80, 100]), ['threshold:50', 'threshold:80', 'threshold:100', 'exhausted'])
  t.same(alertsReached(at('120', '0'), []), ['exhausted'], 'exhausted without thresholds')
})

t.test('the budget is credits plus adjustments', async t => {
  t.same(alertsReached(at('60', '0', { adjusted: '20' }), [50, 80]), ['threshold:50'])
  t.same(alertsReached(at('60', '0', { adjusted: '-40' }), [50, 80]), ['threshold:50', 'threshold:80', 'exhausted'])
})

t.test('a budget of zero or less has reached everything once anything is used', async t => {
  t.same(alertsReached(at('0', '0', { credits: '0' }), [50]), [])
  t.same(alertsReached(at('0', '0.0100', { credits: '0' }), [50]), ['threshold:50', 'exhausted'])
})
