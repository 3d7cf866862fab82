// Budget alerts from the budgets report: a team is listed once it has used at least its lowest alert threshold,
// with the highest threshold it has crossed. Pure; percentages compare as decimals, not floats.
import { decimalUnits } from './format.ts'
import type { TeamBudget } from './types.ts'

export interface BudgetAlert {
  team: string
  teamName: string
  percentUsed: string
  threshold: number
  exhausted: boolean
}

/** "80.25" → 8025: hundredths, exact for the report's 2-decimal strings. */
const hundredths = (percent: string) => decimalUnits(percent, 2)

export function budgetAlerts (
  budgets: readonly TeamBudget[],
  thresholds: ReadonlyMap<string, readonly number[]>
): BudgetAlert[] {
  return budgets.flatMap(row => {
    const used = hundredths(row.percentUsed)
    const crossed = (thresholds.get(row.team) ?? []).filter(threshold => used >= threshold * 100)
    if (crossed.length === 0) return []
    return [{
      team: row.team,
      teamName: row.teamName,
      percentUsed: row.percentUsed,
      threshold: Math.max(...crossed),
      exhausted: used >= 10_000
    }]
  }).sort((a, b) => hundredths(b.percentUsed) - hundredths(a.percentUsed) || a.team.localeCompare(b.team))
}
