// Overview: this period's spend per team against its budget, spend per day stacked by team, the top keys, and the
// teams over an alert threshold. Every chart has its figures in a table beside it.
import { budgetAlerts } from '../alerts.ts'
import { api } from '../api.ts'
import { barChart, colour } from '../charts.ts'
import { h, replace } from '../dom.ts'
import { addDays, creditUnits, dayText, daysBetween, formatCount, formatPercent, utcToday } from '../format.ts'
import type { PageContext } from '../page.ts'
import { teamHref } from '../router.ts'
import type {
  AccountSection, BudgetsReport, ReconciliationReport, SpendReport, SpendRow, TeamBudget, TeamView
} from '../types.ts'
import { badge, credits, definitionList, empty, errorBox, loading, section, table, time } from '../ui.ts'

const TOP_KEYS = 10

function tiles (report: SpendReport) {
  const tile = (label: string, value: HTMLElement | string, testId: string) =>
    h('div', { class: 'tile', 'data-testid': testId }, h('div', { class: 'tile-label' }, label), h('div', { class: 'tile-value' }, value))
  const t = report.totals
  return h('div', { class: 'tiles' },
    tile('Net spend', credits(t.net), 'total-net'),
    tile('Charged', credits(t.charged), 'total-charged'),
    tile('Refunded', credits(t.refunded), 'total-refunded'),
    tile('Jobs created', formatCount(t.jobsCreated), 'total-jobs'),
    tile('Finished · failed · cancelled', `${formatCount(t.jobsFinished)} · ${formatCount(t.jobsFailed)} · ${formatCount(t.jobsCancelled)}`, 'total-outcomes'))
}

function alertsPanel (budgets: BudgetsReport, teams: TeamView[]) {
  const alerts = budgetAlerts(budgets.teams, new Map(teams.map(t => [t.slug, t.budget.alertThresholds])))
  if (alerts.length === 0) return section('Alerts', empty('No team has reached an alert threshold this period.'))
  return section('Alerts', h('ul', { class: 'alerts' }, ...alerts.map(a => h('li', { class: a.exhausted ? 'alert alert-exhausted' : 'alert', 'data-team': a.team },
    h('a', { href: teamHref(a.team) }, a.teamName), ' has used ', h('strong', {}, formatPercent(a.percentUsed)),
    ' of its budget', a.exhausted ? ' — the budget is exhausted.' : ` (alert threshold ${a.threshold} %).`))))
}

function budgetsPanel (context: PageContext, budgets: BudgetsReport) {
  if (budgets.teams.length === 0) return section('Budgets this period', empty('No teams yet.'))
  const rows = budgets.teams
  // percent of each team's own budget, so a small team's spend is as visible as a large one's
  const share = (part: string, r: TeamBudget) =>
    creditUnits(r.budget) > 0 ? creditUnits(part) / creditUnits(r.budget) * 100 : 0
  const chart = barChart({
    label: 'Charged and held per team, in percent of its budget',
    labels: rows.map(r => r.teamName),
    horizontal: true,
    stacked: true,
    unit: '% of budget',
    datasets: [
      { label: 'Charged', data: rows.map(r => share(r.charged, r)), backgroundColor: colour(0) },
      { label: 'Held', data: rows.map(r => share(r.held, r)), backgroundColor: '#9db4ef' }
    ]
  })
  context.onLeave(chart.destroy)
  return section('Budgets this period', chart.element, table<TeamBudget>('Budget per team this period', [
    { title: 'Team', cell: r => h('a', { href: teamHref(r.team), 'data-team': r.team }, r.teamName) },
    { title: 'Period', cell: r => h('span', { title: `${r.periodStart} to ${r.periodEnd} (UTC, end excluded)` }, `${r.period}, from ${dayText(r.periodStart)}`) },
    { title: 'Mode', cell: r => badge(r.mode) },
    { title: 'Budget', numeric: true, cell: r => credits(r.budget, { 'data-field': 'budget' }) },
    { title: 'Charged', numeric: true, cell: r => credits(r.charged, { 'data-field': 'charged' }) },
    { title: 'Held', numeric: true, cell: r => credits(r.held, { 'data-field': 'held' }) },
    { title: 'Remaining', numeric: true, cell: r => credits(r.remaining, { 'data-field': 'remaining' }) },
    { title: 'Used', numeric: true, cell: r => h('span', { 'data-field': 'percentUsed' }, formatPercent(r.percentUsed)) },
    { title: 'Runs out', cell: r => r.exhaustsOn ? dayText(r.exhaustsOn) : h('span', { class: 'muted' }, 'not at this rate') }
  ], rows))
}

function dailyPanel (context: PageContext, report: SpendReport) {
  if (report.rows.length === 0) return section('Spend per day', empty('Nothing was spent this month yet.'))
  const tomorrow = addDays(utcToday(new Date()), 1)
  const days = daysBetween(report.from, tomorrow < report.to ? tomorrow : report.to)
  const teams = [...new Map(report.rows.map(r => [r.team ?? '', r.teamName ?? r.team ?? ''])).entries()]
  const net = new Map(report.rows.map(r => [`${r.day} ${r.team}`, r.net]))
  const chart = barChart({
    label: 'Net spend per day, stacked by team',
    labels: days.map(dayText),
    stacked: true,
    datasets: teams.map(([slug, name], i) => ({
      // a bar's height in credits; the figures below the chart are the exact strings
      label: name, data: days.map(day => creditUnits(net.get(`${day} ${slug}`) ?? '0') / 10_000), backgroundColor: colour(i)
    }))
  })
  context.onLeave(chart.destroy)
  return section('Spend per day', chart.element,
    h('details', {}, h('summary', {}, 'Show the figures'), table<SpendRow>('Net spend per day and team', [
      { title: 'Day (UTC)', cell: r => dayText(r.day ?? '') },
      { title: 'Team', cell: r => r.teamName ?? r.team ?? '' },
      { title: 'Net', numeric: true, cell: r => credits(r.net) },
      { title: 'Jobs created', numeric: true, cell: r => formatCount(r.jobsCreated) }
    ], report.rows)))
}

function topKeysPanel (report: SpendReport) {
  const rows = [...report.rows].sort((a, b) => creditUnits(b.net) - creditUnits(a.net)).slice(0, TOP_KEYS)
  if (rows.length === 0) return section('Top keys this month', empty('No key has spent anything this month.'))
  return section('Top keys this month', table<SpendRow>('The keys that spent most this month', [
    { title: 'Key', cell: r => h('span', {}, r.keyName ?? '', ' ', h('code', {}, r.keyPrefix ?? '')) },
    { title: 'Team', cell: r => h('a', { href: teamHref(r.team ?? '') }, r.teamName ?? r.team ?? '') },
    { title: 'Net spend', numeric: true, cell: r => credits(r.net) },
    { title: 'Jobs created', numeric: true, cell: r => formatCount(r.jobsCreated) },
    { title: 'Failed', numeric: true, cell: r => formatCount(r.jobsFailed) }
  ], rows))
}

// The master TensorPix account against the ledger (the account check): its latest cumulative drift, when it was
// checked, and what the gateway believes failures and cancels cost, with where that belief comes from.
function accountPanel (account: AccountSection) {
  const latest = account.latest
  if (!latest) return section('Account drift', empty('No account check has run yet.'))
  const drifting = creditUnits(latest.cumulativeDrift) !== 0
  const belief = (b: AccountSection['semantics']['failed']) => h('span', {}, b.value, ' ', badge(b.source))
  return section('Account drift', h('div', { class: drifting ? 'alert alert-exhausted' : 'alert', 'data-testid': 'account-drift' },
    drifting
      ? 'The master account\'s balance is not explained by the ledger, outside jobs and top-ups.'
      : 'The master account\'s balance is explained by the ledger, outside jobs and top-ups.'),
  definitionList([
    ['Cumulative drift', credits(latest.cumulativeDrift, { 'data-field': 'cumulativeDrift' })],
    ['Last check', time(latest.checkedAt)],
    ['Balance', credits(latest.balance)],
    ['Creates in flight', formatCount(latest.createsInFlight)],
    ['Failed jobs cost', belief(account.semantics.failed)],
    ['Cancelled jobs\' cost_usd', belief(account.semantics.cancelled)],
    ['Outside jobs today', formatCount(account.outsideJobs.length)]
  ]))
}

export async function overviewPage (context: PageContext) {
  document.title = 'Overview · TensorPix gateway'
  const body = h('div', {}, loading('the overview'))
  replace(context.main, h('h1', {}, 'Overview'), h('p', { class: 'muted' }, 'This month so far (UTC days); budgets for each team\'s current period.'), body)
  try {
    const today = utcToday(new Date())
    const [month, daily, keys, budgets, teams, reconciliation] = await Promise.all([
      api.get<SpendReport>('/admin/v1/reports/spend', { group_by: 'team' }),
      api.get<SpendReport>('/admin/v1/reports/spend', { group_by: 'day,team' }),
      api.get<SpendReport>('/admin/v1/reports/spend', { group_by: 'team,key' }),
      api.get<BudgetsReport>('/admin/v1/reports/budgets'),
      api.all<TeamView>('/admin/v1/teams'),
      api.get<ReconciliationReport>('/admin/v1/reports/reconciliation', { from: today, to: addDays(today, 1) })
    ])
    if (!context.isCurrent()) return
    replace(body,
      tiles(month),
      alertsPanel(budgets, teams),
      accountPanel(reconciliation.account),
      budgetsPanel(context, budgets),
      dailyPanel(context, daily),
      topKeysPanel(keys))
  } catch (err) {
    if (context.isCurrent()) replace(body, errorBox('load the overview', err))
  }
}
