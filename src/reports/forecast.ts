// A team's budget in one period, and when it runs out at the current burn rate. Pure arithmetic on Decimal.
//   budget      = credits + adjustments (the overdraft of a hard budget is reported apart, not counted in)
//   remaining   = budget − charged − held
//   percentUsed = (charged + held) / budget, as a percentage with 2 decimals
//   burnPerDay  = charged / the days of the period up to and including `at`
//   exhaustsOn  = the day remaining reaches zero at that burn rate: `at` itself when nothing remains, null when
//                 nothing is burnt or the period ends (and the budget renews) first
import { Decimal } from 'decimal.js'
import { remainingCredits } from '../ledger/balance.ts'
import { addDays, daysBetween } from './dates.ts'

export interface PeriodFigures {
  credits: Decimal.Value
  adjusted: Decimal.Value
  overdraft: Decimal.Value
  charged: Decimal.Value
  held: Decimal.Value
  periodStart: Date
  periodEnd: Date
  /** the UTC day the figures are for (00:00 of it) */
  at: Date
}

export interface BudgetForecast {
  budget: Decimal
  remaining: Decimal
  percentUsed: string
  burnPerDay: Decimal
  exhaustsOn: Date | null
}

export function percentUsed (used: Decimal, budget: Decimal): string {
  if (budget.lte(0)) return used.gt(0) ? '100.00' : '0.00'
  return used.times(100).dividedBy(budget).toFixed(2, Decimal.ROUND_HALF_UP)
}

export function forecast (f: PeriodFigures): BudgetForecast {
  const budget = new Decimal(f.credits).plus(f.adjusted)
  const remaining = remainingCredits({ ...f, overdraft: 0 })
  const elapsed = Math.min(daysBetween(f.periodStart, f.at) + 1, daysBetween(f.periodStart, f.periodEnd))
  const burnPerDay = new Decimal(f.charged).dividedBy(Math.max(elapsed, 1)).toDecimalPlaces(4)
  return {
    budget,
    remaining,
    percentUsed: percentUsed(new Decimal(f.charged).plus(f.held), budget),
    burnPerDay,
    exhaustsOn: exhaustion(remaining, burnPerDay, f.at, f.periodEnd)
  }
}

function exhaustion (remaining: Decimal, burnPerDay: Decimal, at: Date, periodEnd: Date): Date | null {
  if (remaining.lte(0)) return at
  if (burnPerDay.lte(0)) return null
  const day = addDays(at, remaining.dividedBy(burnPerDay).ceil().toNumber())
  return day < periodEnd ? day : null
}
