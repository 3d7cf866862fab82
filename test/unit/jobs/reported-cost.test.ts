// Reading TensorPix's reported costs: an unreadable one, a negative one included, is never used as money.
import t from 'tap'
import { readCredits } from '../../../src/ledger/balance.ts'
import { reportedCost } from '../../../src/jobs/snapshot.ts'

t.test('a cost is a non-negative decimal string of at most 4 places', async t => {
  t.equal(readCredits('3.2500')?.toFixed(4), '3.2500')
  t.equal(readCredits('0')?.toFixed(4), '0.0000')
  t.equal(readCredits('12')?.toFixed(4), '12.0000')
  for (const unreadable of ['-3.0000', '-0', '', '.', '1e3', '3.00001', '1234567', ' 3', 'NaN', 3, null, undefined]) {
    t.equal(readCredits(unreadable), null, `${JSON.stringify(unreadable)} is unreadable`)
  }
})

t.test('an ended job: none reported costs nothing, an unreadable one is null (the charge stays)', async t => {
  t.equal(reportedCost({ cost_usd: '2.0000' })?.toFixed(4), '2.0000')
  t.equal(reportedCost({})?.toFixed(4), '0.0000')
  t.equal(reportedCost({ cost_usd: '-2.0000' }), null)
  t.equal(reportedCost({ cost_usd: 'free' }), null)
})
