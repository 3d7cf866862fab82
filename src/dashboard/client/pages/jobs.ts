// Jobs: search across teams by team, key, state and creation time; newest first, a page at a time. The filters
// live in the address, so a search can be bookmarked or shared.
import { api } from '../api.ts'
import { h, replace } from '../dom.ts'
import { isoToLocalInput, localInputToIso } from '../format.ts'
import { filterForm, formActions, inputField, selectField, teamOptions } from '../forms.ts'
import type { PageContext } from '../page.ts'
import { href, jobHref, teamHref } from '../router.ts'
import type { JobView, KeyView, Page, TeamView } from '../types.ts'
import { badge, credits, pagedTable, table, time } from '../ui.ts'

export const JOB_STATES = [
  'pending', 'unknown', 'queued', 'processing', 'vanished', 'finished', 'failed', 'cancelled', 'rejected'
] as const

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

export async function jobsPage (context: PageContext, query: URLSearchParams) {
  document.title = 'Jobs · TensorPix gateway'
  const team = query.get('team') ?? ''
  const results = h('div', {})
  const teams = await api.all<TeamView>('/admin/v1/teams').catch(() => [] as TeamView[])
  const keys = team ? (await api.get<{ items: KeyView[] }>(`/admin/v1/teams/${encodeURIComponent(team)}/keys`).catch(() => ({ items: [] }))).items : []
  if (!context.isCurrent()) return

  const from = query.get('from')
  const to = query.get('to')
  const form = filterForm('Filter jobs', value => href('/jobs', {
    team: value('team'),
    // a different team means different keys: the key filter starts over
    key: value('team') === team ? value('key') : undefined,
    state: value('state'),
    from: localInputToIso(value('from')),
    to: localInputToIso(value('to'))
  }),
  selectField('team', 'Team', teamOptions(teams), team),
  selectField('key', 'Key', [['', team ? 'All keys' : 'Choose a team first'], ...keys.map((k): [string, string] => [k.id, `${k.name} (${k.prefix})`])],
    query.get('key') ?? '', !team),
  selectField('state', 'State', [['', 'Any state'], ...JOB_STATES.map((s): [string, string] => [s, s])], query.get('state') ?? ''),
  inputField('from', 'Created from', 'datetime-local', from ? isoToLocalInput(from) : ''),
  inputField('to', 'Created before', 'datetime-local', to ? isoToLocalInput(to) : ''),
  formActions(h('button', { type: 'submit' }, 'Search'), h('a', { href: '#/jobs', class: 'button secondary' }, 'Clear')))

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
