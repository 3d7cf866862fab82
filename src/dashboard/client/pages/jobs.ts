// Jobs: search across teams by team, key, state and creation time; newest first, a page at a time. The filters
// live in the address, so a search can be bookmarked or shared.
import { api } from '../api.ts'
import { h, replace } from '../dom.ts'
import { isoToLocalInput, localInputToIso } from '../format.ts'
import type { PageContext } from '../page.ts'
import { href, jobHref, teamHref } from '../router.ts'
import type { JobView, KeyView, Page, TeamView } from '../types.ts'
import { badge, credits, pagedTable, table, time } from '../ui.ts'

export const JOB_STATES = ['pending', 'unknown', 'queued', 'processing', 'finished', 'failed', 'cancelled', 'rejected'] as const

export function jobsTable (jobs: JobView[], withTeam = true) {
  return table<JobView>('Jobs, newest first', [
    { title: 'Created', cell: j => h('a', { href: jobHref(j.id), 'aria-label': `Job ${j.id}, timeline` }, time(j.createdAt)) },
    ...(withTeam ? [{ title: 'Team', cell: (j: JobView) => h('a', { href: teamHref(j.teamSlug) }, j.teamName) }] : []),
    { title: 'Key', cell: j => h('span', { title: j.keyPrefix }, j.keyName) },
    { title: 'State', cell: j => badge(j.state) },
    { title: 'TensorPix id', numeric: true, cell: j => j.upstreamId ?? h('span', { class: 'muted' }, '—') },
    { title: 'Net cost', numeric: true, cell: j => credits(j.netCost) },
    { title: '', cell: j => h('a', { href: jobHref(j.id) }, 'Timeline') }
  ], jobs)
}

function select (id: string, label: string, options: Array<[string, string]>, value: string, disabled = false) {
  return h('div', { class: 'field' }, h('label', { for: id }, label),
    h('select', { id, name: id, disabled }, ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))))
}

export async function jobsPage (context: PageContext, query: URLSearchParams) {
  document.title = 'Jobs · TensorPix gateway'
  const team = query.get('team') ?? ''
  const results = h('div', {})
  const teams = await api.all<TeamView>('/admin/v1/teams').catch(() => [] as TeamView[])
  const keys = team ? (await api.get<{ items: KeyView[] }>(`/admin/v1/teams/${encodeURIComponent(team)}/keys`).catch(() => ({ items: [] }))).items : []
  if (!context.isCurrent()) return

  const field = (id: string, label: string, type: string, value: string) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name: id, type, value }))
  const from = query.get('from')
  const to = query.get('to')
  const form = h('form', {
    class: 'filters',
    'aria-label': 'Filter jobs',
    onsubmit: (event: Event) => {
      event.preventDefault()
      const data = new FormData(form)
      const text = (name: string) => String(data.get(name) ?? '')
      // a different team means different keys: the key filter starts over
      const sameTeam = text('team') === team
      location.hash = href('/jobs', {
        team: text('team'),
        key: sameTeam ? text('key') : undefined,
        state: text('state'),
        from: localInputToIso(text('from')),
        to: localInputToIso(text('to'))
      })
    }
  },
  select('team', 'Team', [['', 'All teams'], ...teams.map(t => [t.slug, t.name] as [string, string])], team),
  select('key', 'Key', [['', team ? 'All keys' : 'Choose a team first'], ...keys.map(k => [k.id, `${k.name} (${k.prefix})`] as [string, string])], query.get('key') ?? '', !team),
  select('state', 'State', [['', 'Any state'], ...JOB_STATES.map(s => [s, s] as [string, string])], query.get('state') ?? ''),
  field('from', 'Created from', 'datetime-local', from ? isoToLocalInput(from) : ''),
  field('to', 'Created before', 'datetime-local', to ? isoToLocalInput(to) : ''),
  h('div', { class: 'field field-actions' }, h('button', { type: 'submit' }, 'Search'), h('a', { href: '#/jobs', class: 'button secondary' }, 'Clear')))

  // choosing a team loads its keys into the key filter
  form.querySelector('#team')?.addEventListener('change', () => form.requestSubmit())
  replace(context.main, h('h1', {}, 'Jobs'), h('p', { class: 'muted' }, 'Times are in your time zone; hover a time for UTC.'), form, results)
  const filters = { team: team || undefined, key: query.get('key') ?? undefined, state: query.get('state') ?? undefined, from: from ?? undefined, to: to ?? undefined }
  await pagedTable<JobView>(results, {
    what: 'jobs',
    emptyText: 'No jobs match these filters.',
    isCurrent: context.isCurrent,
    load: cursor => api.get<Page<JobView>>('/admin/v1/jobs', { ...filters, cursor, limit: 50 }),
    render: rows => jobsTable(rows)
  })
}
