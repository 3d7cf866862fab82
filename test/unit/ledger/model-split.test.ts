import t from 'tap'
import fc from 'fast-check'
import { Decimal } from 'decimal.js'
import { modelWeights, NO_MODEL, splitAmount } from '../../../src/ledger/model-split.ts'

const shares = (amount: string, models: number[], weights: unknown) =>
  splitAmount(new Decimal(amount), modelWeights(models, weights)).map(s => [s.modelId, s.amount.toFixed(4)])

t.test('in proportion to the recorded cost weights, by model id', async t => {
  t.same(shares('0.3000', [41, 34], { 34: '1', 41: '0.5' }), [[34, '0.2000'], [41, '0.1000']])
  t.same(shares('1.0000', [34, 35], { 34: 1, 35: 2 }), [[34, '0.3333'], [35, '0.6667']], 'the rounding remainder goes to the last model')
  t.same(shares('0.0001', [34, 35, 36], { 34: '1', 35: '1', 36: '1' }), [[34, '0.0000'], [35, '0.0000'], [36, '0.0001']])
})

t.test('no models, duplicates, and unusable weights', async t => {
  t.same(shares('2.5000', [], null), [[NO_MODEL, '2.5000']], 'a job without ML models books on model 0')
  t.same(shares('1.0000', [34, 34], { 34: '1' }), [[34, '1.0000']], 'a model listed twice counts once')
  t.same(shares('1.0000', [34, 35], null), [[34, '0.5000'], [35, '0.5000']], 'no recorded weights: equal')
  t.same(shares('1.0000', [34, 35], { 34: '1' }), [[34, '0.5000'], [35, '0.5000']], 'a weight missing: equal')
  t.same(shares('1.0000', [34, 35], { 34: '1', 35: '0' }), [[34, '0.5000'], [35, '0.5000']], 'a zero weight: equal')
  t.same(shares('1.0000', [34, 35], { 34: '1', 35: 'heavy' }), [[34, '0.5000'], [35, '0.5000']], 'garbage: equal')
  t.same(shares('1.0000', [34], '{"34":"1"}'), [[34, '1.0000']], 'not an object: equal weights')
})

t.test('the shares of any movement add up to it exactly and none is negative', async t => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 10_000_000_000 }),
    fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 5000 })), { maxLength: 6 }),
    (units, models) => {
      const amount = new Decimal(units).dividedBy(10_000)
      const weights = Object.fromEntries(models.map(([id, w]) => [id, String(w / 1000)]))
      const split = splitAmount(amount, modelWeights(models.map(m => m[0]), weights))
      const sum = split.reduce((s, x) => s.plus(x.amount), new Decimal(0))
      return sum.equals(amount) && split.every(x => x.amount.gte(0) && x.amount.decimalPlaces() <= 4)
    }
  ))
  t.pass('property holds')
})
