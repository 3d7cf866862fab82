// Labelled fields and the filter form every search page uses: submitting puts the filters in the address, so the
// page redraws from it (and the search can be bookmarked).
import { h, type Child } from './dom.ts'
import type { TeamView } from './types.ts'

export type Options = Array<[value: string, text: string]>

const field = (id: string, label: string, control: HTMLElement) =>
  h('div', { class: 'field' }, h('label', { for: id }, label), control)

export const inputField = (id: string, label: string, type: string, value: string, required = false) =>
  field(id, label, h('input', { id, name: id, type, value, required }))

export const selectField = (id: string, label: string, options: Options, value: string, disabled = false) =>
  field(id, label, h('select', { id, name: id, disabled }, ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))))

/** A form whose submit navigates to the address `target` builds from the fields' trimmed values. */
export function filterForm (label: string, target: (value: (name: string) => string) => string, ...children: Child[]) {
  const form: HTMLFormElement = h('form', {
    class: 'filters',
    'aria-label': label,
    onsubmit: (event: Event) => {
      event.preventDefault()
      const data = new FormData(form)
      location.hash = target(name => String(data.get(name) ?? '').trim())
    }
  }, ...children)
  return form
}

/** A team filter's choices: all teams, then each by name. */
export const teamOptions = (teams: readonly TeamView[]): Options => [['', 'All teams'], ...teams.map((t): [string, string] => [t.slug, t.name])]

export const formActions = (...children: Child[]) => h('div', { class: 'field field-actions' }, ...children)
