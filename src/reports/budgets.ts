// The budgets report: every team's usage row of the period that contains `at` (one query for all teams, each
// with its own period kind), and the forecast of when it runs out.
import type { Db } from '../db/client.ts'
import { formatCredits } from '../ledger/balance.ts'
import { periodEnd, periodStart, type Period } from '../policy/period.ts'
import { isoDay } from './dates.ts'
import { forecast } from './forecast.ts'
import type { BudgetsReport } from './schemas.ts'

interface Row {
  slug: string
  name: string
  budget_period: Period
  budget_mode: 'hard' | 'soft'
  budget_credits: string
  overdraft_credits: string
  charged: string | null
  held: string | null
  adjusted: string | null
}

export async function budgetsReport (db: Db, at: Date): Promise<BudgetsReport> {
  const start = (period: Period) => isoDay(periodStart(period, at))
  const rows = await db.$queryRaw<Row[]>`
    SELECT t.slug, t.name, t.budget_period::text AS budget_period, t.budget_mode::text AS budget_mode,
      t.budget_credits::text AS budget_credits, t.overdraft_credits::text AS overdraft_credits,
      u.charged::text AS charged, u.held::text AS held, u.adjusted::text AS adjusted
    FROM teams t
    LEFT JOIN team_period_usage u ON u.team_id = t.id AND u.period_start = CASE t.budget_period
      WHEN 'day' THEN ${start('day')}::date WHEN 'week' THEN ${start('week')}::date ELSE ${start('month')}::date END
    ORDER BY t.slug`
  return {
    at: isoDay(at),
    teams: rows.map(row => {
      const figures = {
        credits: row.budget_credits,
        adjusted: row.adjusted ?? 0,
        overdraft: row.overdraft_credits,
        charged: row.charged ?? 0,
        held: row.held ?? 0,
        periodStart: periodStart(row.budget_period, at),
        periodEnd: periodEnd(row.budget_period, at),
        at
      }
      const f = forecast(figures)
      return {
        team: row.slug,
        teamName: row.name,
        period: row.budget_period,
        periodStart: isoDay(figures.periodStart),
        periodEnd: isoDay(figures.periodEnd),
        mode: row.budget_mode,
        budget: formatCredits(f.budget),
        overdraft: formatCredits(row.overdraft_credits),
        charged: formatCredits(figures.charged),
        held: formatCredits(figures.held),
        remaining: formatCredits(f.remaining),
        percentUsed: f.percentUsed,
        burnPerDay: formatCredits(f.burnPerDay),
        exhaustsOn: f.exhaustsOn ? isoDay(f.exhaustsOn) : null
      }
    })
  }
}
