// Teams: every team with its budget settings, each linking to its page.
import { api } from '../api.ts'
import { h, replace } from '../dom.ts'
import type { PageContext } from '../page.ts'
import { teamHref } from '../router.ts'
import type { TeamView } from '../types.ts'
import { badge, credits, pagedTable, table } from '../ui.ts'

export async function teamsPage (context: PageContext) {
  document.title = 'Teams · TensorPix gateway'
  const list = h('div', {})
  replace(context.main, h('h1', {}, 'Teams'), list)
  await pagedTable<TeamView>(list, {
    what: 'teams',
    emptyText: 'There are no teams yet. Create one with the CLI: tpx-gateway teams create <slug>.',
    isCurrent: context.isCurrent,
    load: cursor => api.get('/admin/v1/teams', { cursor }),
    render: rows => table<TeamView>('Teams', [
      { title: 'Team', cell: t => h('a', { href: teamHref(t.slug) }, t.name) },
      { title: 'Slug', cell: t => h('code', {}, t.slug) },
      { title: 'Status', cell: t => t.disabled ? badge('disabled') : badge('active') },
      { title: 'Budget per period', numeric: true, cell: t => credits(t.budget.credits) },
      { title: 'Period', cell: t => t.budget.period },
      { title: 'Mode', cell: t => badge(t.budget.mode) },
      { title: 'Alerts at', cell: t => t.budget.alertThresholds.map(p => `${p} %`).join(', ') || '—' }
    ], rows)
  })
}
