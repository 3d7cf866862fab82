// tpx-gateway reports spend | budgets | reconciliation (admin or finance key)
import { Command } from 'commander'
import type { BudgetsReport, ReconciliationReport, SpendReport } from '../../reports/schemas.ts'
import { csvLine } from '../../reports/csv.ts'
import { spendColumns, type Dimension } from '../../reports/group-by.ts'
import { adminAction, withConnection } from '../admin-client.ts'
import { listing, table } from '../table.ts'

const range = (command: Command) => command
  .option('--from <day>', 'first UTC day YYYY-MM-DD, inclusive (default: the first of this month)')
  .option('--to <day>', 'UTC day after the last, exclusive (default: tomorrow)')

function spendCommand (): Command {
  return range(withConnection(new Command('spend')))
    .description('spend from the daily rollups: charged, refunded, net and job counts, grouped')
    .option('--group-by <dims>', 'one or two of team, key, model, day, month, comma-separated', 'team')
    .option('--team <slug>', 'only this team')
    .option('--csv', 'print RFC 4180 CSV (the same columns as the API\'s CSV)')
    .action(adminAction(async (client, o) => {
      const report = await client.get<SpendReport>('/reports/spend', {
        from: o.from as string | undefined,
        to: o.to as string | undefined,
        group_by: o.groupBy as string,
        team: o.team as string | undefined
      })
      const columns = spendColumns(report.groupBy as Dimension[])
      const cells = report.rows.map(row =>
        columns.map(column => (row as Record<string, string | number | undefined>)[column]))
      if (o.csv) return { json: report, human: [csvLine(columns), ...cells.map(csvLine)].join('') }
      const totals = columns.map(column => (report.totals as Record<string, string | number>)[column] ?? '')
      totals[0] = 'TOTAL'
      return {
        json: report,
        human: table(columns.map(c => c.replace(/([A-Z])/g, ' $1').toUpperCase()), [...cells, totals]),
        note: `${report.from} .. ${report.to} (exclusive)`
      }
    }))
}

function budgetsCommand (): Command {
  return withConnection(new Command('budgets'))
    .description('every team\'s budget in the period containing --at, with the day it runs out at the current burn rate')
    .option('--at <day>', 'a UTC day YYYY-MM-DD inside the period (default today)')
    .action(adminAction(async (client, o) => {
      const report = await client.get<BudgetsReport>('/reports/budgets', { at: o.at as string | undefined })
      return {
        json: report,
        human: table(['TEAM', 'PERIOD', 'BUDGET', 'CHARGED', 'HELD', 'REMAINING', 'USED %', 'BURN/DAY', 'EXHAUSTS ON'],
          report.teams.map(b => [b.team, `${b.period} ${b.periodStart}`, `${b.budget} (${b.mode})`, b.charged, b.held,
            b.remaining, b.percentUsed, b.burnPerDay, b.exhaustsOn]))
      }
    }))
}

function reconciliationCommand (): Command {
  return range(withConnection(new Command('reconciliation')))
    .description('ledger net against TensorPix\'s figures for the jobs created in the range; lists every job that differs')
    .action(adminAction(async (client, o) => {
      const report = await client.get<ReconciliationReport>('/reports/reconciliation', { from: o.from as string | undefined, to: o.to as string | undefined })
      const teams = table(['TEAM', 'LEDGER NET', 'UPSTREAM COST', 'DRIFT'],
        [...report.teams.map(r => [r.team, r.ledgerNet, r.upstreamCost, r.drift]),
          ['TOTAL', report.totals.ledgerNet, report.totals.upstreamCost, report.totals.drift]])
      const drifting = report.teams.flatMap(r =>
        r.jobs.map(j => [r.team, j.jobId, j.upstreamId, j.state, j.ledgerNet, j.upstreamCost, j.drift]))
      const jobs = drifting.length > 0 ? `\n${table(['TEAM', 'JOB', 'UPSTREAM', 'STATE', 'LEDGER NET', 'UPSTREAM COST', 'DRIFT'], drifting)}` : ''
      const { account } = report
      const semantics = `failed ${account.semantics.failed.value} (${account.semantics.failed.source}), ` +
        `cancelled ${account.semantics.cancelled.value} (${account.semantics.cancelled.source})`
      const latest = account.latest
        ? `account drift ${account.latest.cumulativeDrift} at ${account.latest.checkedAt}`
        : 'no account check yet'
      const human = `${teams}${jobs}\n${listing([['account', latest], ['semantics', semantics],
        ['outside jobs', account.outsideJobs.length], ['corrections', account.corrections.length]])}`
      return { json: report, human, note: `${report.driftJobs} job(s) with drift` }
    }))
}

export function reportsCommand (): Command {
  return new Command('reports')
    .description('finance reports (admin or finance key)')
    .addCommand(spendCommand())
    .addCommand(budgetsCommand())
    .addCommand(reconciliationCommand())
}
