// One job: who created it, what it cost, and its timeline (hold, submission, status, every ledger row).
import { api } from '../api.ts'
import { h, replace } from '../dom.ts'
import type { PageContext } from '../page.ts'
import { href, teamHref } from '../router.ts'
import type { JobDetailView } from '../types.ts'
import { badge, credits, definitionList, errorBox, loading, section, time } from '../ui.ts'

const MONEY_KINDS = new Set(['hold', 'release', 'charge', 'refund', 'adjust'])

function timeline (job: JobDetailView) {
  return h('ol', { class: 'timeline' }, ...job.timeline.map(event => h('li', { class: `event event-${event.kind}`, 'data-kind': event.kind },
    h('div', { class: 'event-time' }, time(event.at)),
    h('div', { class: 'event-body' },
      badge(event.kind, MONEY_KINDS.has(event.kind) ? 'money' : event.kind),
      ' ', event.description,
      event.amount === null ? null : h('span', { class: 'event-amount' }, ' ', credits(event.amount))))))
}

export async function jobPage (context: PageContext, id: string) {
  document.title = `Job ${id} · TensorPix gateway`
  const body = h('div', {}, loading('the job'))
  replace(context.main, h('p', {}, h('a', { href: href('/jobs') }, '← All jobs')), h('h1', {}, 'Job ', h('code', {}, id)), body)
  try {
    const job = await api.get<JobDetailView>(`/admin/v1/jobs/${encodeURIComponent(id)}`)
    if (!context.isCurrent()) return
    replace(body,
      section('Summary', definitionList([
        ['State', badge(job.state)],
        ['Team', h('a', { href: teamHref(job.teamSlug) }, job.teamName)],
        ['Key', h('span', {}, job.keyName, ' ', h('code', {}, job.keyPrefix))],
        ['TensorPix id', job.upstreamId === null ? 'none yet' : String(job.upstreamId)],
        ['Source', `${job.source}${job.preview ? ' (preview)' : ''}`],
        ['ML models', job.mlModels.join(', ') || 'none'],
        ['Held while created', credits(job.estimatedCost)],
        ['Charged', credits(job.actualCost)],
        ['Refunded', credits(job.refundedCost)],
        ['Net cost', credits(job.netCost)],
        ['Progress', job.progress === null ? '—' : `${Math.round(job.progress * 100)} %`],
        ['Error', job.error ?? '—'],
        ['Created', time(job.createdAt)],
        ['Finished (TensorPix\'s clock)', time(job.finishedAt)]
      ])),
      section('Timeline', timeline(job)))
  } catch (err) {
    if (context.isCurrent()) replace(body, errorBox(`load job ${id}`, err))
  }
}
