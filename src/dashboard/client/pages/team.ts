// A team: budget and usage this period, its keys (created, rotated and revoked here by admins; a new secret is
// shown once), its policy, and its recent jobs.
import { api } from '../api.ts'
import { h, replace } from '../dom.ts'
import { creditUnits, dayText, formatCount } from '../format.ts'
import type { PageContext } from '../page.ts'
import { href } from '../router.ts'
import type { JobView, KeyView, KeyWithSecret, Page, TeamView, UsageView } from '../types.ts'
import { badge, credits, definitionList, empty, errorBox, loading, section, table, time } from '../ui.ts'
import { jobsTable } from './jobs.ts'

function usagePanel (team: TeamView, usage: UsageView) {
  // the meter in exact units of 0.0001 credit
  const budget = creditUnits(usage.budget.credits) + creditUnits(usage.adjusted)
  const used = creditUnits(usage.charged) + creditUnits(usage.held)
  return section('Budget and usage',
    h('p', { class: 'muted' }, `Current ${usage.period.kind}: ${dayText(usage.period.start)} to ${dayText(usage.period.end)} (UTC, end excluded).`),
    h('meter', { min: 0, max: budget > 0 ? budget : 1, value: used, high: budget * 0.8, optimum: 0, 'aria-label': 'Budget used' }),
    definitionList([
      ['Budget', h('span', {}, credits(usage.budget.credits), ' · ', badge(usage.budget.mode), team.budget.mode === 'hard' && usage.budget.overdraft !== '0.0000' ? h('span', {}, ' overdraft ', credits(usage.budget.overdraft)) : null)],
      ['Adjustments', credits(usage.adjusted)],
      ['Charged', credits(usage.charged, { 'data-field': 'charged' })],
      ['Held', credits(usage.held, { 'data-field': 'held' })],
      ['Remaining', credits(usage.remaining, { 'data-field': 'remaining' })],
      ['Jobs today', formatCount(usage.jobsToday)],
      ['Active jobs', formatCount(usage.activeJobs)],
      ['Alerts at', team.budget.alertThresholds.map(p => `${p} %`).join(', ') || 'none'],
      ['Largest hold per job', credits(team.budget.maxJobCost)]
    ]))
}

const SCOPES = ['jobs:read', 'jobs:write'] as const

function secretNotice (created: KeyWithSecret, done: () => void) {
  const field = h('input', { type: 'text', readonly: true, value: created.key, 'aria-label': 'The new key', class: 'secret', 'data-testid': 'new-secret' })
  const copied = h('span', { role: 'status', class: 'muted' })
  const notice = h('div', { class: 'notice', role: 'alert' },
    h('p', {}, h('strong', {}, `Key ${created.name} (${created.prefix}). `), 'Copy it now: this is the only time it is shown.'),
    field,
    h('div', { class: 'actions' },
      h('button', {
        type: 'button',
        onclick: () => {
          navigator.clipboard.writeText(created.key).then(() => { copied.textContent = 'Copied.' }, () => {
            field.select()
            copied.textContent = 'Select the key and copy it by hand.'
          })
        }
      }, 'Copy'),
      h('button', {
        type: 'button',
        class: 'secondary',
        onclick: () => {
          // the secret leaves the page at once
          notice.remove()
          done()
        }
      }, 'Done'),
      copied))
  return notice
}

function keysPanel (context: PageContext, slug: string, keys: KeyView[], reload: (notice?: HTMLElement) => void) {
  const manage = context.me.canManage
  const failure = h('div', {})
  const act = (what: string, run: () => Promise<KeyWithSecret | KeyView>) => {
    replace(failure)
    run().then(result => reload('key' in result
      ? secretNotice(result, () => reload())
      : h('p', { class: 'success', role: 'status' }, `Key ${result.name} is ${result.status}.`)),
    err => replace(failure, errorBox(what, err)))
  }
  const actions = (key: KeyView) => key.status !== 'active'
    ? h('span', { class: 'muted' }, '—')
    : h('div', { class: 'actions' },
      h('button', {
        type: 'button',
        class: 'secondary',
        onclick: () => {
          if (!confirm(`Give key ${key.name} a new secret? The old one keeps working for 24 hours.`)) return
          act(`rotate key ${key.name}`, () => api.send('POST', `/admin/v1/keys/${key.id}/rotate`, {}))
        }
      }, 'Rotate'),
      h('button', {
        type: 'button',
        class: 'danger',
        onclick: () => {
          if (!confirm(`Revoke key ${key.name}? Every service using it is refused within seconds.`)) return
          act(`revoke key ${key.name}`, () => api.send('DELETE', `/admin/v1/keys/${key.id}`))
        }
      }, 'Revoke'))

  const list = keys.length === 0
    ? empty('This team has no keys yet.')
    : table<KeyView>('Keys of the team', [
      { title: 'Name', cell: k => h('span', { 'data-key': k.name }, k.name) },
      { title: 'Prefix', cell: k => h('code', {}, k.prefix) },
      { title: 'Scopes', cell: k => k.scopes.join(', ') },
      { title: 'Status', cell: k => badge(k.status) },
      { title: 'Last used', cell: k => time(k.lastUsedAt) },
      { title: 'Created', cell: k => time(k.createdAt) },
      ...(manage ? [{ title: 'Actions', cell: actions }] : [])
    ], keys)

  const form = manage ? newKeyForm(slug, key => reload(secretNotice(key, () => reload()))) : null
  return section('Keys', list, failure, form)
}

function newKeyForm (slug: string, created: (key: KeyWithSecret) => void) {
  const name = h('input', { id: 'key-name', name: 'name', required: true, maxlength: 100, autocomplete: 'off' })
  const boxes = SCOPES.map(scope => h('input', { type: 'checkbox', name: 'scopes', value: scope, id: `scope-${scope}`, checked: true }))
  const failure = h('div', {})
  const submit = h('button', { type: 'submit' }, 'Create key')
  return h('form', {
    class: 'inline-form',
    'aria-label': 'New key',
    onsubmit: (event: Event) => {
      event.preventDefault()
      const scopes = boxes.filter(b => b.checked).map(b => b.value)
      if (scopes.length === 0) return replace(failure, h('p', { class: 'error', role: 'alert' }, 'Choose at least one scope.'))
      submit.disabled = true
      api.send<KeyWithSecret>('POST', `/admin/v1/teams/${encodeURIComponent(slug)}/keys`, { name: name.value.trim(), scopes })
        .then(created, err => {
          submit.disabled = false
          replace(failure, errorBox('create the key', err))
        })
    }
  },
  h('h3', {}, 'New key'),
  h('div', { class: 'field' }, h('label', { for: 'key-name' }, 'Name'), name),
  h('fieldset', {}, h('legend', {}, 'Scopes'), ...SCOPES.flatMap((scope, i) => [boxes[i], h('label', { for: `scope-${scope}` }, scope)])),
  submit,
  failure)
}

/** "minPresignedValiditySeconds" → "min presigned validity seconds" */
const words = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()

const describe = (value: unknown): string => {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(', ')
  if (value === null || value === undefined) return 'unlimited'
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  return String(value)
}

function policyPanel (team: TeamView) {
  const limits: Array<[string, string]> = [
    ['Requests per minute (team)', describe(team.limits.requestsPerMinute)],
    ['Requests per minute (each key)', describe(team.limits.keyRequestsPerMinute)],
    ['Active jobs at once', describe(team.limits.maxConcurrentJobs)],
    ['Jobs per UTC day', describe(team.limits.maxJobsPerDay)],
    ['Largest upload', team.limits.maxUploadBytes === null ? 'the gateway default' : `${team.limits.maxUploadBytes.toLocaleString()} bytes`],
    ['Keep enhanced videos', team.retentionDays === null ? 'forever' : `${team.retentionDays} days`]
  ]
  const rules = (doc: object, none: string) => {
    const entries = Object.entries(doc)
    return entries.length === 0
      ? empty(none)
      : definitionList(entries.map(([rule, value]) => [words(rule), describe(value)]))
  }
  return section('Policy',
    definitionList(limits),
    h('h3', {}, 'Job options'), rules(team.optionPolicy, 'No option rules: every model and option TensorPix offers is allowed.'),
    h('h3', {}, 'Video URLs'), rules(team.urlPolicy, 'Default URL rules: https only, presigned URLs valid for at least 2 hours.'))
}

export async function teamPage (context: PageContext, slug: string) {
  document.title = `Team ${slug} · TensorPix gateway`
  const notice = h('div', {})
  const body = h('div', {}, loading('the team'))
  const path = `/admin/v1/teams/${encodeURIComponent(slug)}`
  replace(context.main, h('h1', {}, 'Team ', h('code', {}, slug)), notice, body)

  // the message (a new secret, a revocation) is shown with the redrawn page, never above the stale one
  const draw = async (message?: HTMLElement) => {
    try {
      const [team, usage, keys, jobs] = await Promise.all([
        api.get<TeamView>(path),
        api.get<UsageView>(`${path}/usage`),
        api.get<{ items: KeyView[] }>(`${path}/keys`),
        api.get<Page<JobView>>('/admin/v1/jobs', { team: slug, limit: 10 })
      ])
      if (!context.isCurrent()) return
      replace(context.main.querySelector('h1') as HTMLElement, team.name, ' ', h('code', {}, team.slug), team.disabled ? badge('disabled') : null)
      const reload = (next?: HTMLElement) => { draw(next).catch(() => {}) }
      replace(body,
        usagePanel(team, usage),
        keysPanel(context, slug, keys.items, reload),
        policyPanel(team),
        section('Recent jobs', jobs.items.length === 0 ? empty('This team has not created any job yet.') : jobsTable(jobs.items, false),
          h('p', {}, h('a', { href: href('/jobs', { team: slug }) }, 'All jobs of this team'))))
      replace(notice, message)
      if (message) (message.querySelector('input, button') as HTMLElement | null)?.focus()
    } catch (err) {
      if (context.isCurrent()) replace(body, errorBox(`load team ${slug}`, err))
    }
  }
  await draw()
}
