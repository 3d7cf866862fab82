// The dashboard's entry point: sign in with an admin or finance key, then draw the page the hash names.
import { api, ApiError, session, whenUnauthorized } from './api.ts'
import { h, replace } from './dom.ts'
import type { PageContext } from './page.ts'
import { parseRoute, type Route } from './router.ts'
import { errorBox } from './ui.ts'
import type { Whoami } from './types.ts'
import { auditPage } from './pages/audit.ts'
import { jobPage } from './pages/job.ts'
import { jobsPage } from './pages/jobs.ts'
import { overviewPage } from './pages/overview.ts'
import { reportsPage } from './pages/reports.ts'
import { signInPage } from './pages/sign-in.ts'
import { teamPage } from './pages/team.ts'
import { teamsPage } from './pages/teams.ts'

const root = document.getElementById('app') as HTMLElement

const NAV: Array<{ title: string, href: string, pages: Route['page'][] }> = [
  { title: 'Overview', href: '#/', pages: ['overview'] },
  { title: 'Teams', href: '#/teams', pages: ['teams', 'team'] },
  { title: 'Jobs', href: '#/jobs', pages: ['jobs', 'job'] },
  { title: 'Reports', href: '#/reports', pages: ['reports'] },
  { title: 'Audit log', href: '#/audit', pages: ['audit'] }
]

async function drawPage (route: Route, context: PageContext) {
  switch (route.page) {
    case 'overview': return overviewPage(context)
    case 'teams': return teamsPage(context)
    case 'team': return teamPage(context, route.slug)
    case 'jobs': return jobsPage(context, route.query)
    case 'job': return jobPage(context, route.id)
    case 'reports': return reportsPage(context, route.query)
    case 'audit': return auditPage(context, route.query)
    case 'missing':
      document.title = 'Not found · TensorPix gateway'
      return replace(context.main, h('h1', {}, 'Not found'), h('p', {}, 'There is no dashboard page at this address. ', h('a', { href: '#/' }, 'Go to the overview.')))
  }
}

function signOut (message?: string) {
  session.clear()
  window.removeEventListener('hashchange', onHashChange)
  showSignIn(message)
}

let me: Whoami | null = null
let visit = 0
let cleanups: Array<() => void> = []

function layout (who: Whoami, route: Route) {
  const main = h('main', { id: 'main', tabindex: '-1' })
  const role = who.canManage ? 'admin' : 'finance (read only)'
  replace(root,
    h('header', { class: 'top' },
      h('a', { class: 'brand', href: '#/' }, 'TensorPix gateway'),
      h('nav', { 'aria-label': 'Dashboard' }, h('ul', {}, ...NAV.map(item => h('li', {},
        h('a', { href: item.href, 'aria-current': item.pages.includes(route.page) ? 'page' : null }, item.title))))),
      h('div', { class: 'who' },
        h('span', { title: who.prefix }, `${who.name} · ${role}`),
        h('button', { type: 'button', class: 'secondary', onclick: () => signOut() }, 'Sign out'))),
    main)
  return main
}

async function show () {
  if (!me) return
  for (const cleanup of cleanups) cleanup()
  cleanups = []
  const current = ++visit
  const route = parseRoute(location.hash)
  const main = layout(me, route)
  const context: PageContext = {
    main,
    me,
    isCurrent: () => current === visit,
    onLeave: cleanup => { cleanups.push(cleanup) }
  }
  try {
    await drawPage(route, context)
  } catch (err) {
    if (context.isCurrent()) replace(main, errorBox('show this page', err))
  }
}

function onHashChange () {
  show().catch(() => {})
  document.getElementById('main')?.focus()
}

function start (who: Whoami) {
  me = who
  window.addEventListener('hashchange', onHashChange)
  show().catch(() => {})
}

function showSignIn (message?: string) {
  me = null
  document.title = 'Sign in · TensorPix gateway'
  signInPage(root, message, async key => {
    const who = await api.whoami<Whoami>(key)
    session.save(key)
    start(who)
  })
}

async function boot () {
  whenUnauthorized(message => signOut(message))
  const key = session.key()
  if (!key) return showSignIn()
  try {
    start(await api.whoami<Whoami>(key))
  } catch (err) {
    if (err instanceof ApiError && err.status !== 401 && err.status !== 403) {
      return replace(root, errorBox('reach the gateway', err))
    }
    signOut(err instanceof ApiError ? err.message : undefined)
  }
}

boot().catch(err => replace(root, errorBox('start the dashboard', err)))
