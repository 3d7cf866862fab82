// Building blocks every page uses: loading, empty and error states, tables, times, credits and load-more paging.
import { h, replace, type Child } from './dom.ts'
import { formatCredits, groupCredits, CREDITS_UNIT, localText, utcText } from './format.ts'
import { ApiError } from './api.ts'
import type { Page } from './types.ts'

export const loading = (what: string) => h('p', { class: 'loading', role: 'status' }, `Loading ${what}…`)
export const empty = (text: string) => h('p', { class: 'empty' }, text)

export function errorBox (what: string, error: unknown) {
  const reason = error instanceof ApiError ? error.message : 'Something went wrong in the page; reload it.'
  return h('div', { class: 'error', role: 'alert' }, h('strong', {}, `Could not ${what}. `), reason)
}

/** A time in the viewer's zone, with UTC on hover (and for screen readers, in the datetime attribute). */
export function time (iso: string | null) {
  if (iso === null) return h('span', { class: 'muted' }, '—')
  return h('time', { datetime: iso, title: utcText(iso) }, localText(iso))
}

/** A credits figure: digits grouped, all 4 decimals, and its unit. */
export function credits (value: string | null, attrs: Record<string, string> = {}) {
  if (value === null) return h('span', { class: 'muted' }, '—')
  return h('span', { class: value.startsWith('-') ? 'credits negative' : 'credits', 'aria-label': formatCredits(value), ...attrs },
    groupCredits(value), ' ', h('span', { class: 'unit', 'aria-hidden': 'true' }, CREDITS_UNIT))
}

export const badge = (text: string, tone = text) => h('span', { class: `badge badge-${tone}` }, text)

export interface Column<T> { title: string, cell: (row: T) => Child, numeric?: boolean }

export function table<T> (caption: string, columns: Column<T>[], rows: T[], footer?: Child[]) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ...columns.map(c => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.title)))),
    h('tbody', {}, ...rows.map(row => h('tr', {}, ...columns.map(c => h('td', { class: c.numeric ? 'num' : null }, c.cell(row)))))),
    footer ? h('tfoot', {}, h('tr', {}, ...footer.map((cell, i) => h('td', { class: columns[i]?.numeric ? 'num' : null }, cell)))) : null
  ))
}

export const section = (title: string, ...children: Child[]) =>
  h('section', { class: 'panel', 'aria-label': title }, h('h2', {}, title), ...children)

/** Fills `into` by loading pages: the first at once, the next ones behind a "Load more" button. */
export async function pagedTable<T> (into: HTMLElement, options: {
  what: string
  emptyText: string
  load: (cursor: string | undefined) => Promise<Page<T>>
  render: (rows: T[]) => HTMLElement
  isCurrent: () => boolean
}) {
  const rows: T[] = []
  const more = async (cursor?: string) => {
    const page = await options.load(cursor)
    if (!options.isCurrent()) return
    rows.push(...page.items)
    if (rows.length === 0) return replace(into, empty(options.emptyText))
    const button = page.nextCursor === null
      ? null
      : h('button', {
        type: 'button',
        class: 'secondary',
        onclick: (event: Event) => {
          const target = event.currentTarget as HTMLButtonElement
          target.disabled = true
          target.textContent = 'Loading…'
          more(page.nextCursor ?? undefined).catch(err => replace(into, errorBox(`load more ${options.what}`, err)))
        }
      }, 'Load more')
    replace(into, options.render(rows), h('p', { class: 'muted' }, `${rows.length} shown`, button ? ' · ' : '', button))
  }
  replace(into, loading(options.what))
  await more().catch(err => replace(into, errorBox(`load ${options.what}`, err)))
}

export function definitionList (entries: Array<[string, Child]>) {
  return h('dl', { class: 'facts' }, ...entries.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]))
}
