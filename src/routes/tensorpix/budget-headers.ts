// Budget state on create and job answers, so clients can slow down before they hit 402.
import type { Db } from '../../db/client.ts'
import { formatCredits, remainingCredits } from '../../ledger/balance.ts'
import { currentPeriod, readUsage } from '../../ledger/usage.ts'

export async function teamBalance (db: Db, teamId: string, now = new Date()) {
  const team = await db.team.findUniqueOrThrow({ where: { id: teamId } })
  const usage = await readUsage(db, currentPeriod(team, now))
  return { remaining: remainingCredits({ credits: team.budgetCredits.toString(), overdraft: 0, ...usage }), held: usage.held }
}

export async function budgetHeaders (db: Db, teamId: string): Promise<Record<string, string>> {
  const { remaining, held } = await teamBalance(db, teamId)
  return { 'x-credits-remaining': formatCredits(remaining), 'x-credits-held': formatCredits(held) }
}
