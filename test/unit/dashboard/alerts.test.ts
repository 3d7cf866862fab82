import t from 'tap'
import { budgetAlerts } from '../../../src/dashboard/client/alerts.ts'
import type { TeamBudget } from '../../../src/dashboard/client/types.ts'

const row = (team: string, percentUsed: string): TeamBudget => ({
  team,
  teamName: team.toUpperCase(),
  period: 'month',
  periodStart: '2026-12-01',
  periodEnd: '2027-01-01',
  mode: 'hard',
  budget: '100.0000',
  overdraft: '0.0000',
  charged: '0.0000',
  held: '0.0000',
  remaining: '0.0000',
  percentUsed,
  burnPerDay: '0.0000',
  exhaustsOn: null
})

t.test('a team is listed once it reaches a threshold, with the highest it crossed, fullest first', async t => {
  const thresholds = new Map([['a', [50, 80, 100]], ['b', [50, 80]], ['c', [90]], ['d', []], ['e', [50]]])
  const alerts = budgetAlerts([row('a', '79.99'), row('b', '80.00'), row('c', '89.99'), row('d', '150.00'), row('e', '104.10'), row('f', '99.00')], thresholds)
  t.same(alerts.map(a => [a.team, a.threshold, a.exhausted]), [['e', 50, true], ['b', 80, false], ['a', 50, false]])
  t.same(budgetAlerts([row('a', '100.00')], thresholds)[0], { team: 'a', teamName: 'A', percentUsed: '100.00', threshold: 100, exhausted: true })
  t.same(budgetAlerts([row('a', '49.9')], thresholds), [], 'one decimal place still compares exactly')
})
