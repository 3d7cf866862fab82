import { Decimal } from 'decimal.js'
import t from 'tap'
import { formatCredits, remainingCredits, type BudgetState } from '../../../src/ledger/balance.ts'

const state = (s: Partial<BudgetState>): BudgetState => ({
  credits: 0, overdraft: 0, charged: 0, held: 0, adjusted: 0, ...s
})

t.test('remaining = credits + adjusted - charged - held', async t => {
  const s = state({ credits: '100', adjusted: '5.5', charged: '20.25', held: '10.0001', overdraft: '50' })
  t.ok(remainingCredits(s).equals('75.2499'))
  t.equal(formatCredits(remainingCredits(s)), '75.2499')
  t.ok(remainingCredits(state({})).isZero(), 'all zero')
  t.type(remainingCredits(s), Decimal)
})

t.test('sums are exact, unlike binary floating point', async t => {
  t.not(0.1 + 0.2, 0.3, 'the float problem this avoids')
  t.ok(remainingCredits(state({ credits: '0.1', adjusted: '0.2' })).equals('0.3'), 'strings')
  t.ok(remainingCredits(state({ credits: 0.1, adjusted: 0.2 })).equals('0.3'), 'numbers')
  t.ok(remainingCredits(state({ credits: new Decimal('0.1'), adjusted: new Decimal('0.2') })).equals('0.3'), 'Decimals')
  t.equal(formatCredits(remainingCredits(state({ credits: '0.1', adjusted: '0.2' }))), '0.3000')
  t.ok(remainingCredits(state({ credits: '0.3', charged: '0.1', held: '0.2' })).isZero(), '0.3 - 0.1 - 0.2 is exactly zero')
  // ten thousand 0.0001 charges add up to exactly 1
  let charged = new Decimal(0)
  for (let i = 0; i < 10_000; i++) charged = charged.plus('0.0001')
  t.ok(remainingCredits(state({ credits: '1', charged })).isZero())
})

t.test('negatives: overspent budgets and negative adjustments', async t => {
  const overspent = state({ credits: '10', charged: '12.5', held: '1', overdraft: '5' })
  t.ok(remainingCredits(overspent).equals('-3.5'))
  t.equal(formatCredits(remainingCredits(overspent)), '-3.5000')
  t.ok(remainingCredits(state({ credits: '10', adjusted: '-2.25' })).equals('7.75'), 'a negative adjustment takes credits away')
  t.ok(remainingCredits(state({ adjusted: '-0.0001' })).equals('-0.0001'))
})

t.test('the overdraft is not part of remaining', async t => {
  const s = state({ credits: '7.5', overdraft: '2.5', held: '1' })
  t.ok(remainingCredits(s).equals('6.5'))
})

t.test('formatCredits writes 4 decimal places', async t => {
  const cases: Array<[Decimal.Value, string]> = [
    [0, '0.0000'],
    ['1', '1.0000'],
    [12, '12.0000'],
    ['0.5', '0.5000'],
    ['0.0001', '0.0001'],
    ['1.23444', '1.2344'],
    ['1.23445', '1.2345'], // half up
    ['1.23449999', '1.2345'],
    ['0.00005', '0.0001'],
    ['0.00004999', '0.0000'],
    ['-1.5', '-1.5000'],
    ['-1.23445', '-1.2345'], // half away from zero
    ['-1.23444', '-1.2344'],
    [0.1 + 0.2, '0.3000'],
    ['123456789012345678.12345', '123456789012345678.1235'], // beyond float precision
    [new Decimal('2.5'), '2.5000'],
    ['1e-10', '0.0000'],
    ['1e3', '1000.0000']
  ]
  for (const [value, expected] of cases) t.equal(formatCredits(value), expected, `${String(value)} → ${expected}`)
})

t.test('formatCredits never writes a negative zero', async t => {
  t.equal(formatCredits('-0.00001'), '0.0000', '-0.00001')
  t.equal(formatCredits('-0.00004999'), '0.0000', '-0.00004999')
  t.equal(formatCredits(new Decimal('-0')), '0.0000', 'Decimal -0')
  t.equal(formatCredits(remainingCredits(state({ credits: '1', charged: '1.00001' }))), '0.0000', 'a remaining balance just below zero')
})
