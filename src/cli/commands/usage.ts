// tpx-gateway usage <team>
import { Command } from 'commander'
import type { UsageView } from '../../admin/usage/schemas.ts'
import { adminAction, withConnection } from '../admin-client.ts'
import { listing, table } from '../table.ts'

export function usageCommand (): Command {
  return withConnection(new Command('usage'))
    .description("a team's budget and spend for the current period, jobs today and active jobs, per key")
    .argument('<team>', 'team slug')
    .action(adminAction(async (client, _o, slug: string) => {
      const u = await client.get<UsageView>(`/teams/${encodeURIComponent(slug)}/usage`)
      const summary = listing([
        ['team', u.team], ['period', `${u.period.kind} ${u.period.start} .. ${u.period.end} (exclusive)`],
        ['budget', `${u.budget.credits} (${u.budget.mode}, overdraft ${u.budget.overdraft})`],
        ['charged', u.charged], ['held', u.held], ['adjusted', u.adjusted], ['remaining', u.remaining],
        ['jobs today', u.jobsToday], ['active jobs', u.activeJobs]
      ])
      const keys = table(['KEY', 'NAME', 'CHARGED', 'HELD', 'JOBS TODAY', 'ACTIVE'],
        u.keys.map(k => [k.prefix, k.name, k.charged, k.held, k.jobsToday, k.activeJobs]))
      return { json: u, human: `${summary}\n${keys}` }
    }))
}
