import t from 'tap'
import { Decimal } from 'decimal.js'
import { measuredCancelCost } from '../../../src/account/measured-cancel.ts'

const d = (value: string) => new Decimal(value)
const maybe = (value: string | null) => value === null ? null : d(value)
const cost = (create: string | null, reported: string | null, refund: string) =>
  measuredCancelCost(maybe(create), maybe(reported), d(refund))?.toFixed(4) ?? null

t.test('the create cost less the refund the balance showed, whichever way cost_usd reports it', async t => {
  t.equal(cost('0.2000', '0.2000', '0.1600'), '0.0400', 'a gross report: cost_usd still the create cost')
  t.equal(cost('0.2000', '0.0400', '0.1600'), '0.0400', 'a net report showing the same refund')
  t.equal(cost('0.2000', '0.2000', '0'), '0.2000', 'no refund at all')
  t.equal(cost('0.2000', '0.2000', '0.2000'), '0.0000', 'a full refund')
  t.equal(cost('0.2000', null, '0.1600'), '0.0400', 'an unreadable report: the balance still tells')
})

t.test('a measurement that cannot be the refund is not used', async t => {
  t.equal(cost('0.2000', '0.2000', '0.2001'), null, 'more than the job cost (another refund landed in the window)')
  t.equal(cost('0.2000', '0.2000', '-0.0100'), null, 'a fall (a charge landed in the window)')
  t.equal(cost('0.2000', '0.1000', '0.1600'), null, 'a net report showing another refund')
  t.equal(cost(null, '0.2000', '0.1600'), null, 'no known create cost')
})
