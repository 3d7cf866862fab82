// Reading TensorPix's reported costs: an unreadable one, a negative one included, is never used as money.
import t from 'tap'
import { readCredits } from '../../../src/ledger/balance.ts'
import { reportedCost, unusedCostNote } from '../../../src/jobs/snapshot.ts'
import { ASSUMED_SEMANTICS } from '../../../src/account/semantics.ts'

t.test('a cost is a non-negative decimal string of at most 4 places', async t => {
  t.equal(readCredits('3.2500')?.toFixed(4), '3.2500')
  t.equal(readCredits('0')?.toFixed(4), '0.0000')
  t.equal(readCredits('12')?.toFixed(4), '12.0000')
  t.equal(readCredits('.5')?.toFixed(4), '0.5000', 'no integer digits, as TensorPix\'s pattern allows')
  t.equal(readCredits('5.')?.toFixed(4), '5.0000', 'no places either')
  for (const unreadable of ['-3.0000', '-0', '-.5', '', '.', '..5', '1e3', '3.00001', '1234567', ' 3', 'NaN', 3, null, undefined]) {
    t.equal(readCredits(unreadable), null, `${JSON.stringify(unreadable)} is unreadable`)
  }
})

t.test('an ended job: a cost missing, null or unreadable is null (the charge stays)', async t => {
  t.equal(reportedCost({ cost_usd: '2.0000' })?.toFixed(4), '2.0000')
  t.equal(reportedCost({ cost_usd: '0.0000' })?.toFixed(4), '0.0000', 'a reported zero is a cost')
  t.equal(reportedCost({}), null)
  t.equal(reportedCost({ cost_usd: null as unknown as string }), null)
  t.equal(reportedCost({ cost_usd: '-2.0000' }), null)
  t.equal(reportedCost({ cost_usd: 'free' }), null)
})

t.test('operators are told why a cost was not used, except a refunded failure\'s missing one', async t => {
  const assumed = ASSUMED_SEMANTICS
  t.match(unusedCostNote('finished', undefined, assumed), /no cost for the finished job: the charge is kept/)
  t.match(unusedCostNote('cancelled', null, assumed), /no cost for the cancelled job/)
  t.equal(unusedCostNote('failed', undefined, assumed), null, 'a refunded failure gives everything back anyway')
  t.match(unusedCostNote('failed', undefined, { ...assumed, failed: 'as_reported' }), /no cost for the failed job/,
    'an unrefunded one keeps its charge')
  t.match(unusedCostNote('failed', 'free', assumed), /unreadable cost \(free\)/)
})
