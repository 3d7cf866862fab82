// Budget alerts: `budget.threshold` for each of the team's alertThresholds (percent of credits + adjustments,
// counting held credits as used) and `budget.exhausted` when nothing remains. Each fires once per team and period:
// the alert is recorded in budget_alerts with ON CONFLICT DO NOTHING in the transaction that crossed it, and only
// the transaction whose INSERT took the row emits the event, however many replicas see the crossing.
import { Decimal } from 'decimal.js'
import type { Prisma } from '../db/client.ts'
import { afterCommit } from '../db/after-commit.ts'
import type { Team } from '../generated/prisma/client.ts'
import { formatCredits } from '../ledger/balance.ts'
import { readUsage } from '../ledger/usage.ts'
import { periodEnd } from '../policy/period.ts'
import { emitEvent } from './events.ts'

type Tx = Prisma.TransactionClient

export interface BudgetFigures {
  credits: Decimal.Value
  adjusted: Decimal.Value
  charged: Decimal.Value
  held: Decimal.Value
}

export const EXHAUSTED = 'exhausted'
const thresholdAlert = (percent: number) => `threshold:${percent}`

/**
 * The alerts a team's usage has reached, in ascending order ("threshold:<percent>", then "exhausted"). A budget of
 * zero or less has reached them all as soon as anything is used. Pure.
 */
export function alertsReached (figures: BudgetFigures, thresholds: readonly number[]): string[] {
  const budget = new Decimal(figures.credits).plus(figures.adjusted)
  const used = new Decimal(figures.charged).plus(figures.held)
  const sorted = [...thresholds].sort((a, b) => a - b)
  if (budget.lte(0)) return used.gt(0) ? [...sorted.map(thresholdAlert), EXHAUSTED] : []
  const reached = sorted.filter(percent => used.times(100).gte(budget.times(percent))).map(thresholdAlert)
  return used.gte(budget) ? [...reached, EXHAUSTED] : reached
}

function alertData (team: Team, periodStart: Date, figures: BudgetFigures) {
  const budget = new Decimal(figures.credits).plus(figures.adjusted)
  const used = new Decimal(figures.charged).plus(figures.held)
  return {
    period: team.budgetPeriod,
    periodStart: periodStart.toISOString().slice(0, 10),
    periodEnd: periodEnd(team.budgetPeriod, periodStart).toISOString().slice(0, 10),
    mode: team.budgetMode,
    budget: formatCredits(budget),
    charged: formatCredits(figures.charged),
    held: formatCredits(figures.held),
    used: formatCredits(used),
    remaining: formatCredits(budget.minus(used)),
    percentUsed: budget.gt(0) ? used.times(100).dividedBy(budget).toFixed(2) : null
  }
}

// Alerts known to be raised (committed) already, per team and period. Raised alerts never change, so this memo is
// never stale; it keeps the create path, which asks with the team's usage row locked, from asking again on every
// hold once a team is past a threshold: one INSERT per alert and process at most, by the transaction that raised it
// (remembered once it committed) or saw it raised. Bounded: cleared when full (the next crossing check asks again).
const MEMO_LIMIT = 50_000
const alreadyRaised = new Set<string>()
const memoKey = (teamId: string, periodStart: Date, alert: string) => `${teamId}/${periodStart.toISOString().slice(0, 10)}/${alert}`

/**
 * Records the alerts the usage reached that were not raised yet this period, and emits one event for each. Call it
 * in the transaction that moved the usage, with the usage as it stands after the move.
 */
export async function raiseBudgetAlerts (tx: Tx, team: Team, periodStart: Date, usage: Omit<BudgetFigures, 'credits'>): Promise<void> {
  const figures = { ...usage, credits: team.budgetCredits.toString() }
  const reached = alertsReached(figures, team.alertThresholds)
    .filter(alert => !alreadyRaised.has(memoKey(team.id, periodStart, alert)))
  if (reached.length === 0) return
  const fresh = await tx.$queryRaw<Array<{ alert: string }>>`
    INSERT INTO budget_alerts (team_id, period_start, alert)
    SELECT ${team.id}::uuid, ${periodStart}::date, unnest(${reached}::text[])
    ON CONFLICT DO NOTHING
    RETURNING alert`
  const raised = new Set(fresh.map(row => row.alert))
  const remember = (alerts: string[]) => {
    if (alreadyRaised.size > MEMO_LIMIT) alreadyRaised.clear()
    for (const alert of alerts) alreadyRaised.add(memoKey(team.id, periodStart, alert))
  }
  // a conflict means another transaction committed the alert (ON CONFLICT waits for it); ours may still roll back
  remember(reached.filter(a => !raised.has(a)))
  afterCommit(tx, () => remember([...raised]))
  const data = alertData(team, periodStart, figures)
  for (const alert of reached.filter(a => raised.has(a))) {
    if (alert === EXHAUSTED) await emitEvent(tx, team.id, 'budget.exhausted', data)
    else await emitEvent(tx, team.id, 'budget.threshold', { threshold: Number(alert.slice(alert.indexOf(':') + 1)), ...data })
  }
}

/** The same check for a period whose usage the caller did not just read (the terminal transition of a job). */
export async function raiseBudgetAlertsFor (tx: Tx, teamId: string, periodStart: Date): Promise<void> {
  const team = await tx.team.findUniqueOrThrow({ where: { id: teamId } })
  await raiseBudgetAlerts(tx, team, periodStart, await readUsage(tx, { teamId, periodStart }))
}
