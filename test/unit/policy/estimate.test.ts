import { Decimal } from 'decimal.js'
import t from 'tap'
import { estimateHold } from '../../../src/policy/estimate.ts'

const DEFAULT = new Decimal('5.0000')

t.test('a preview holds nothing', async t => {
  const hold = estimateHold({ preview: true, maxJobCost: new Decimal('12.5'), defaultHold: DEFAULT })
  t.ok(hold.equals(0))
  t.equal(hold.toFixed(4), '0.0000')
  t.ok(estimateHold({ preview: true, maxJobCost: null, defaultHold: DEFAULT }).isZero())
})

t.test("the team's maximum job cost wins over the default", async t => {
  const above = estimateHold({ preview: false, maxJobCost: new Decimal('12.3456'), defaultHold: DEFAULT })
  t.ok(above.equals('12.3456'))
  t.equal(above.toFixed(4), '12.3456')
  t.ok(estimateHold({ preview: false, maxJobCost: new Decimal('0.0100'), defaultHold: DEFAULT }).equals('0.01'), 'also when lower')
  t.ok(estimateHold({ preview: false, maxJobCost: new Decimal(0), defaultHold: DEFAULT }).isZero(), 'a zero maximum is not "unset"')
})

t.test('without a team maximum, the default hold', async t => {
  const hold = estimateHold({ preview: false, maxJobCost: null, defaultHold: DEFAULT })
  t.ok(hold.equals(5))
  t.equal(hold.toFixed(4), '5.0000')
})

t.test('results are exact decimals', async t => {
  const hold = estimateHold({ preview: false, maxJobCost: new Decimal('0.1').plus('0.2'), defaultHold: DEFAULT })
  t.ok(hold.equals('0.3'))
  t.type(hold, Decimal)
})
