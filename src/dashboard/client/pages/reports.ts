// Reports: the spend report for a date range, grouped by one or two dimensions, optionally for one team, with its
// CSV. The form's values live in the address; the CSV is the same request with format=csv.
import { api } from '../api.ts'
import { h, replace } from '../dom.ts'
import { addDays, dayText, formatCount, monthText } from '../format.ts'
import type { PageContext } from '../page.ts'
import { filterForm, formActions, inputField, selectField, teamOptions, type Options } from '../forms.ts'
import { reportForm, reportQuery } from '../report-form.ts'
import { href } from '../router.ts'
import { DIMENSIONS, type Dimension, type SpendReport, type SpendRow, type TeamView } from '../types.ts'
import { credits, empty, errorBox, loading, section, table, type Column } from '../ui.ts'

const DIMENSION_TITLES: Record<Dimension, string> = { team: 'Team', key: 'Key', model: 'ML model', day: 'Day (UTC)', month: 'Month (UTC)' }

const DIMENSION_CELLS: Record<Dimension, (row: SpendRow) => Node | string> = {
  team: r => r.teamName ?? r.team ?? '',
  key: r => h('span', {}, r.keyName ?? '', ' ', h('code', {}, r.keyPrefix ?? '')),
  model: r => r.modelName ?? (r.modelId === 0 ? 'no ML model' : String(r.modelId ?? '')),
  day: r => dayText(r.day ?? ''),
  month: r => monthText(r.month ?? '')
}

function reportTable (report: SpendReport) {
  const money: Column<SpendRow>[] = [
    { title: 'Charged', numeric: true, cell: r => credits(r.charged) },
    { title: 'Refunded', numeric: true, cell: r => credits(r.refunded) },
    { title: 'Net', numeric: true, cell: r => credits(r.net) },
    { title: 'Created', numeric: true, cell: r => formatCount(r.jobsCreated) },
    { title: 'Finished', numeric: true, cell: r => formatCount(r.jobsFinished) },
    { title: 'Failed', numeric: true, cell: r => formatCount(r.jobsFailed) },
    { title: 'Cancelled', numeric: true, cell: r => formatCount(r.jobsCancelled) }
  ]
  const dims = (report.groupBy as Dimension[]).map(d => ({ title: DIMENSION_TITLES[d], cell: DIMENSION_CELLS[d] }))
  const t = report.totals
  const footer = [h('strong', {}, 'Total'), ...dims.slice(1).map(() => ''), ...money.map(c => c.cell({ ...t }))]
  return table<SpendRow>('Spend report', [...dims, ...money], report.rows, footer)
}

function download (blob: Blob, name: string) {
  const url = URL.createObjectURL(blob)
  const link = h('a', { href: url, download: name, class: 'visually-hidden' }, name)
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export async function reportsPage (context: PageContext, query: URLSearchParams) {
  document.title = 'Reports · TensorPix gateway'
  const form = reportForm(query, new Date())
  const teams = await api.all<TeamView>('/admin/v1/teams').catch(() => [] as TeamView[])
  if (!context.isCurrent()) return
  const results = h('div', {}, loading('the report'))
  const csvStatus = h('span', { role: 'status', class: 'muted' })
  const dimensions: Options = DIMENSIONS.map(d => [d, DIMENSION_TITLES[d]])
  const fields = filterForm('Report settings', value => href('/reports', {
    from: value('from'), through: value('through'), group: value('group'), then: value('then'), team: value('team')
  }),
  inputField('from', 'From (UTC day)', 'date', form.from, true),
  inputField('through', 'Through (UTC day, included)', 'date', form.through, true),
  selectField('group', 'Group by', dimensions, form.first),
  selectField('then', 'Then by', [['', 'nothing else'], ...dimensions], form.second),
  selectField('team', 'Team', teamOptions(teams), form.team),
  formActions(
    h('button', { type: 'submit' }, 'Show'),
    h('button', {
      type: 'button',
      class: 'secondary',
      onclick: () => {
        csvStatus.textContent = 'Preparing the CSV…'
        api.csv('/admin/v1/reports/spend', { ...reportQuery(form), format: 'csv' }).then(blob => {
          download(blob, `spend-${form.from}-to-${form.through}-by-${reportQuery(form).group_by}.csv`.replace(',', '-'))
          csvStatus.textContent = 'CSV downloaded.'
        }, err => replace(results, errorBox('download the CSV', err)))
      }
    }, 'Download CSV'),
    csvStatus))

  replace(context.main, h('h1', {}, 'Reports'), section('Spend', fields, results))
  try {
    const report = await api.get<SpendReport>('/admin/v1/reports/spend', reportQuery(form))
    if (!context.isCurrent()) return
    replace(results,
      h('p', { class: 'muted' }, `${dayText(report.from)} to ${dayText(addDays(report.to, -1))} (UTC), ${formatCount(report.rows.length)} rows.`),
      report.rows.length === 0 ? empty('Nothing was spent in this range.') : reportTable(report))
  } catch (err) {
    if (context.isCurrent()) replace(results, errorBox('load the report', err))
  }
}
