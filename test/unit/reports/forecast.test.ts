import t from 'tap'
import { forecast, percentUsed, type PeriodFigures } from '../../../src/reports/forecast.ts'
import { Decimal } from 'decimal.js'

const march = (d: number) => new Date(Date.UTC(2026, 2, d))
const figures = (f: Partial<PeriodFigures>): PeriodFigures => ({
  credits: '100', adjusted: 0, overdraft: 0, charged: 0, held: 0, periodStart: march(1), periodEnd: new Date(Date.UTC(2026, 3, 1)), at: march(10), ...f
})
const day = (d: Date | null) => d?.toISOString().slice(0, 10) ?? null

t.test('budget, remaining, percent used (charged + held), adjustments counted in, overdraft not', async t => {
  const f = forecast(figures({ adjusted: '20', overdraft: '50', charged: '30', held: '6' }))
  t.same([f.budget.toFixed(4), f.remaining.toFixed(4), f.percentUsed], ['120.0000', '84.0000', '30.00'])
  t.equal(percentUsed(new Decimal('1'), new Decimal('3')), '33.33')
  t.equal(percentUsed(new Decimal('2'), new Decimal('3')), '66.67')
  t.equal(percentUsed(new Decimal('150'), new Decimal('100')), '150.00', 'a soft budget can pass 100')
  t.equal(percentUsed(new Decimal(0), new Decimal(0)), '0.00', 'no budget, nothing used')
  t.equal(percentUsed(new Decimal(1), new Decimal(0)), '100.00', 'no budget, something used')
})

t.test('burn per day over the elapsed days of the period, and the day it runs out', async t => {
  const f = forecast(figures({ charged: '30' }))
  t.equal(f.burnPerDay.toFixed(4), '3.0000', '30 over 10 days (1st to 10th)')
  t.equal(day(f.exhaustsOn), null, '70 left at 3 a day lasts past the period end')
  const fast = forecast(figures({ charged: '50', held: '10' }))
  t.equal(fast.burnPerDay.toFixed(4), '5.0000')
  t.equal(day(fast.exhaustsOn), '2026-03-18', '40 left at 5 a day: 8 days after the 10th')
  t.equal(day(forecast(figures({ charged: '51' })).exhaustsOn), '2026-03-20', 'a part day rounds up (49 / 5.1 = 9.6)')
  t.equal(day(forecast(figures({ charged: '100' })).exhaustsOn), '2026-03-10', 'nothing left: exhausted on the day')
  t.equal(day(forecast(figures({ held: '5' })).exhaustsOn), null, 'nothing burnt: no forecast')
  const past = forecast(figures({ charged: '62', at: new Date(Date.UTC(2026, 2, 31)) }))
  t.equal(past.burnPerDay.toFixed(4), '2.0000', 'a whole month: 31 days')
  const daily = forecast(figures({ credits: '5', charged: '1', periodStart: march(10), periodEnd: march(11) }))
  t.same([daily.burnPerDay.toFixed(4), day(daily.exhaustsOn)], ['1.0000', null], 'a one-day period ends before it runs out')
})
