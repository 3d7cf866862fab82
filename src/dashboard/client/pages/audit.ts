// The audit log: every admin write, newest first, with who did it and the target before and after.
import { api } from '../api.ts'
import { h, replace } from '../dom.ts'
import { isoToLocalInput, localInputToIso } from '../format.ts'
import { filterForm, formActions, inputField, selectField } from '../forms.ts'
import type { PageContext } from '../page.ts'
import { href } from '../router.ts'
import type { AuditEventView, Page } from '../types.ts'
import { pagedTable, table, time } from '../ui.ts'

const change = (event: AuditEventView) => h('details', {},
  h('summary', {}, 'Before and after'),
  h('div', { class: 'diff' },
    h('div', {}, h('h3', {}, 'Before'), h('pre', {}, event.before === null ? '—' : JSON.stringify(event.before, null, 2))),
    h('div', {}, h('h3', {}, 'After'), h('pre', {}, event.after === null ? '—' : JSON.stringify(event.after, null, 2)))))

/** The target by its name where the recorded view has one (a team's slug, a key's name and prefix). */
function target (event: AuditEventView) {
  const view = (event.after ?? event.before ?? {}) as
    { slug?: unknown, name?: unknown, prefix?: unknown, team?: unknown }
  const name = event.targetType === 'key' && typeof view.name === 'string'
    ? `${view.name}${typeof view.prefix === 'string' ? ` (${view.prefix})` : ''}`
    : [view.slug, view.team].find(v => typeof v === 'string') as string | undefined
  return h('span', { title: event.targetId }, `${event.targetType} `, h('code', {}, name ?? event.targetId))
}

export async function auditPage (context: PageContext, query: URLSearchParams) {
  document.title = 'Audit log · TensorPix gateway'
  const results = h('div', {})
  const from = query.get('from')
  const to = query.get('to')
  const form = filterForm('Filter the audit log', value => href('/audit', {
    action: value('action'), targetType: value('targetType'), from: localInputToIso(value('from')), to: localInputToIso(value('to'))
  }),
  inputField('action', 'Action', 'text', query.get('action') ?? ''),
  selectField('targetType', 'Target', [['', 'Anything'], ['team', 'Teams'], ['key', 'Keys']], query.get('targetType') ?? ''),
  inputField('from', 'From', 'datetime-local', from ? isoToLocalInput(from) : ''),
  inputField('to', 'Before', 'datetime-local', to ? isoToLocalInput(to) : ''),
  formActions(h('button', { type: 'submit' }, 'Filter'), h('a', { href: '#/audit', class: 'button secondary' }, 'Clear')))

  replace(context.main, h('h1', {}, 'Audit log'), h('p', { class: 'muted' }, 'Every change made through the admin API, newest first. Actions look like team.update or key.revoke.'), form, results)
  const filters = { action: query.get('action') ?? undefined, targetType: query.get('targetType') ?? undefined, from: from ?? undefined, to: to ?? undefined }
  await pagedTable<AuditEventView>(results, {
    what: 'the audit log',
    emptyText: 'No audit events match these filters.',
    isCurrent: context.isCurrent,
    load: cursor => api.get<Page<AuditEventView>>('/admin/v1/audit', { ...filters, cursor, limit: 50 }),
    render: rows => table<AuditEventView>('Audit events, newest first', [
      { title: 'Time', cell: e => time(e.createdAt) },
      { title: 'Who', cell: e => e.actorName },
      { title: 'Action', cell: e => h('code', {}, e.action) },
      { title: 'Target', cell: target },
      { title: 'Change', cell: change },
      { title: 'Request id', cell: e => e.requestId ? h('code', { class: 'small' }, e.requestId) : '—' }
    ], rows)
  })
}
