// tpx-gateway budget adjust <team> <amount> --reason <reason>
import { Command } from 'commander'
import type { AdjustmentView } from '../../admin/usage/schemas.ts'
import { adminAction, withConnection } from '../admin-client.ts'
import { listing } from '../table.ts'

export function budgetCommand (): Command {
  const budget = new Command('budget').description('budget adjustments (admin or finance key)')
  budget.addCommand(withConnection(new Command('adjust'))
    .description("credit (positive) or debit (negative) a team's current period")
    .argument('<team>', 'team slug')
    .argument('<amount>', 'signed decimal, up to 4 places, e.g. 250 or -12.5')
    .requiredOption('--reason <reason>', 'why; kept in the ledger and the audit log')
    .action(adminAction(async (client, o, slug: string, amount: string) => {
      const a = await client.post<AdjustmentView>(`/teams/${encodeURIComponent(slug)}/budget/adjustments`, { amount, reason: o.reason })
      return {
        json: a,
        human: listing([['team', a.team], ['amount', a.amount], ['reason', a.reason], ['period', a.periodStart],
          ['adjusted', a.adjusted], ['remaining', a.remaining], ['ledger entry', a.id]])
      }
    })))
  return budget
}
