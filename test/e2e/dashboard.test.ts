// The dashboard in headless Chromium against the real gateway, simulator and database: sign in, the overview's
// figures equal the reports API's, keys are created, rotated and revoked from the team page, a job's timeline, the
// CSV download equals the API's CSV, finance keys see no admin actions, the keyboard reaches every control, and no
// CSP violation or console error happens anywhere. A screenshot of each page goes to test-artifacts/.
import { readFile } from 'node:fs/promises'
import t from 'tap'
import type { Page } from 'playwright-core'
import { makeKey } from '../helpers/factories.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../helpers/data-plane-bed.ts'
import { client } from '../helpers/http.ts'
import { formatCredits, localText, utcText } from '../../src/dashboard/client/format.ts'
import { budgetAlerts } from '../../src/dashboard/client/alerts.ts'
import type { BudgetsReport, JobDetailView, Page as ListPage, JobView, SpendReport, TeamView } from '../../src/dashboard/client/types.ts'
import { launchBrowser } from './browser.ts'

const TIME_ZONE = 'America/New_York'
// evaluated in the page (a string, so this Node-side file needs no DOM types)
const STORED_KEY = "sessionStorage.getItem('tpx-gateway.key')"

async function seed (bed: Bed, adminKey: string) {
  const admin = client(bed.origin, adminKey, 'Bearer')
  const team = async (slug: string, name: string, budget: Record<string, unknown>) => {
    const res = await admin.post('/admin/v1/teams', {
      json: { slug, name, budget: { period: 'month', mode: 'soft', maxJobCost: '1', ...budget }, urlPolicy: { httpsOnly: false } }
    })
    if (res.status !== 201) throw new Error(`team ${slug}: ${res.status} ${JSON.stringify(res.body)}`)
  }
  const key = async (slug: string, name: string) => {
    const res = await admin.post(`/admin/v1/teams/${slug}/keys`, { json: { name, scopes: ['jobs:read', 'jobs:write'] } })
    return client(bed.origin, String(res.body.key))
  }
  await team('studio', 'Studio', { credits: '0.05', alertThresholds: [50, 80] })
  await team('newsroom', 'Newsroom', { credits: '0.02', alertThresholds: [50, 80, 100] })
  await team('archive', 'Archive', { credits: '100', mode: 'hard' })
  const encoder = await key('studio', 'encoder')
  const batch = await key('studio', 'batch')
  const desk = await key('newsroom', 'desk')

  const create = async (api: typeof encoder) => {
    const res = await api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
    if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`)
    return Number(res.body.id)
  }
  const settle = async (api: typeof encoder, id: number, outcome: 'complete' | 'fail') => {
    await bed.sim[outcome](id)
    await api.get(`/api/jobs/${id}/`)
  }
  for (const outcome of ['complete', 'complete', 'complete', 'fail'] as const) await settle(encoder, await create(encoder), outcome)
  await create(batch)
  await settle(desk, await create(desk), 'complete')
  const cancelled = await create(desk)
  await desk.delete(`/api/jobs/${cancelled}/`)
  await desk.get(`/api/jobs/${cancelled}/`)
  await create(desk)
  return admin
}

const attributes = async (page: Page, selector: string, name: string) =>
  Promise.all((await page.locator(selector).all()).map(element => element.getAttribute(name)))

const label = async (page: Page, selector: string) => page.locator(selector).first().getAttribute('aria-label')

async function signIn (page: Page, origin: string, key: string) {
  await page.goto(`${origin}/dashboard`)
  await page.fill('#key', key)
  await page.click('button[type=submit]')
}

t.test('the dashboard in a real browser', async t => {
  const bed = await dataPlaneBed(t)
  const adminKey = await makeKey(bed.gw.db, { scopes: ['admin'], name: 'platform' })
  const financeKey = await makeKey(bed.gw.db, { scopes: ['finance'], name: 'finance' })
  const admin = await seed(bed, adminKey.key)
  const json = async <T>(path: string) => (await admin.get(path)).body as T
  const browser = await launchBrowser(t, { timezoneId: TIME_ZONE })
  const page = await browser.newPage()
  const origin = bed.origin

  await t.test('sign-in refuses bad keys in words and keeps a good one in the tab', async t => {
    await page.goto(`${origin}/dashboard`)
    await page.waitForSelector('#key')
    await browser.screenshot(page, 'sign-in')
    await signIn(page, origin, 'tgw_aaaaaaaaaaaa_not-a-real-key-at-all-0123456789abcdef')
    await page.waitForSelector('.error:has-text("This key was not accepted: it is unknown, expired or revoked.")')
    t.pass('an unknown key is refused in words')
    await signIn(page, origin, bed.key.key)
    await page.waitForSelector('.error:has-text("This is a team key")')
    t.pass('a team key is refused as such')
    // the browser logs the two refusals as failed loads; nothing else may be logged
    t.same(browser.problems.splice(0).map(p => /status of (\d+)/.exec(p)?.[1]), ['401', '403'])
    await signIn(page, origin, adminKey.key)
    await page.waitForSelector('[data-testid=total-net]')
    t.equal(await page.evaluate(STORED_KEY), adminKey.key)
    t.same(await browser.context.cookies(), [], 'no cookies')
    t.match(await page.textContent('.who'), /platform · admin/)
  })

  await t.test('overview: every figure equals the reports API', async t => {
    await page.waitForSelector('li.alert, .panel[aria-label=Alerts] .empty')
    await page.waitForSelector('canvas')
    const month = await json<SpendReport>('/admin/v1/reports/spend?group_by=team')
    t.equal(await label(page, '[data-testid=total-net] .credits'), formatCredits(month.totals.net))
    t.equal(await label(page, '[data-testid=total-charged] .credits'), formatCredits(month.totals.charged))
    t.equal(await label(page, '[data-testid=total-refunded] .credits'), formatCredits(month.totals.refunded))
    t.equal(await page.textContent('[data-testid=total-jobs] .tile-value'), String(month.totals.jobsCreated))
    t.ok(Number(month.totals.net) > 0, 'there is spend to show')

    const budgets = await json<BudgetsReport>('/admin/v1/reports/budgets')
    t.equal(budgets.teams.length, 4)
    for (const row of budgets.teams) {
      const tr = page.locator('tr', { has: page.locator(`a[data-team="${row.team}"]`) })
      for (const field of ['budget', 'charged', 'held', 'remaining'] as const) {
        t.equal(await tr.locator(`[data-field=${field}]`).getAttribute('aria-label'), formatCredits(row[field]), `${row.team} ${field}`)
      }
      t.equal(await tr.locator('[data-field=percentUsed]').textContent(), `${row.percentUsed} %`, `${row.team} % used`)
    }
    const teams = await json<ListPage<TeamView>>('/admin/v1/teams')
    const expected = budgetAlerts(
      budgets.teams, new Map(teams.items.map(team => [team.slug, team.budget.alertThresholds]))
    )
    t.same(await attributes(page, 'li.alert', 'data-team'), expected.map(a => a.team))
    t.ok(expected.some(a => a.exhausted), 'newsroom is over its budget')
    t.ok(await page.locator('li.alert-exhausted[data-team=newsroom]').count(), 'shown as exhausted')
    t.equal(await page.locator('canvas').count(), 2, 'budget bars and the stacked daily chart')
    t.match(await page.textContent('.panel[aria-label="Account drift"]'), /No account check has run yet/,
      'the account drift card says when no account check ran')
    await browser.screenshot(page, 'overview')
  })

  await t.test('the keyboard reaches the navigation and sign-out', async t => {
    await page.focus('body')
    const reached = new Set<string>()
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab')
      reached.add((await page.locator(':focus').textContent())?.trim() ?? '')
    }
    for (const name of ['Overview', 'Teams', 'Jobs', 'Reports', 'Audit log', 'Sign out']) t.ok(reached.has(name), `${name} is reachable`)
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Enter')
    t.ok(page.url().length > 0)
  })

  await t.test('teams and a team: create, rotate and revoke a key; the secret is shown once', async t => {
    await page.goto(`${origin}/dashboard#/teams`)
    await page.waitForSelector('table a[href="#/teams/studio"]')
    await browser.screenshot(page, 'teams')
    await page.click('table a[href="#/teams/studio"]')
    await page.waitForSelector('#key-name')
    t.match(await page.textContent('h1'), /Studio/)

    await page.fill('#key-name', 'e2e-key')
    await page.uncheck('#scope-jobs\\:write')
    await page.click('button:has-text("Create key")')
    const secret = await page.locator('[data-testid=new-secret]').inputValue()
    t.match(secret, /^tgw_[a-z2-7]{12}_/)
    const api = (key: string) => client(origin, key)
    t.equal((await api(secret).get('/api/jobs/')).status, 200, 'the new key works on the data plane')
    await page.click('button:has-text("Done")')
    t.equal(await page.locator('[data-testid=new-secret]').count(), 0, 'gone once dismissed')
    t.equal((await page.content()).includes(secret), false, 'the secret is not left in the page')
    await page.waitForSelector('[data-key="e2e-key"]')

    const row = page.locator('tr', { has: page.locator('[data-key="e2e-key"]') })
    page.once('dialog', dialog => { dialog.accept().catch(() => {}) })
    await row.locator('button:has-text("Rotate")').click()
    const rotated = await page.locator('[data-testid=new-secret]').inputValue()
    t.not(rotated, secret)
    t.equal((await api(rotated).get('/api/jobs/')).status, 200, 'the rotated secret works')
    await page.click('button:has-text("Done")')
    await browser.screenshot(page, 'team')

    page.once('dialog', dialog => { dialog.accept().catch(() => {}) })
    await page.locator('tr', { has: page.locator('[data-key="e2e-key"]') }).locator('button:has-text("Revoke")').click()
    await page.waitForSelector('.success:has-text("Key e2e-key is revoked.")')
    let status = 0
    for (let i = 0; i < 50 && status !== 401; i++) {
      status = (await api(rotated).get('/api/jobs/')).status
      if (status !== 401) await new Promise(resolve => setTimeout(resolve, 100))
    }
    t.equal(status, 401, 'the revoked key is refused')
    t.match(await row.textContent(), /revoked/)
    const audit = await json<ListPage<{ action: string }>>('/admin/v1/audit?limit=3')
    t.same(audit.items.map(e => e.action), ['key.revoke', 'key.rotate', 'key.create'])
  })

  await t.test('jobs: search by state, then a job\'s timeline with local times and UTC on hover', async t => {
    await page.goto(`${origin}/dashboard#/jobs`)
    await page.waitForSelector('table')
    await page.selectOption('#state', 'finished')
    await page.click('button:has-text("Search")')
    await page.waitForFunction("location.hash.includes('state=finished')")
    await page.waitForSelector('table')
    const finished = await json<ListPage<JobView>>('/admin/v1/jobs?state=finished')
    t.equal(await page.locator('tbody tr').count(), finished.items.length)
    t.equal(finished.items.length, 4)
    await browser.screenshot(page, 'jobs')

    const first = finished.items[0] as JobView
    await page.click(`a[href="#/jobs/${first.id}"]:has-text("Timeline")`)
    await page.waitForSelector('.timeline li')
    const detail = await json<JobDetailView>(`/admin/v1/jobs/${first.id}`)
    t.same(await attributes(page, '.timeline li', 'data-kind'), detail.timeline.map(e => e.kind))
    const stamp = page.locator('.timeline time').first()
    const at = detail.timeline[0]?.at ?? ''
    t.equal(await stamp.textContent(), localText(at, TIME_ZONE), 'in the viewer\'s time zone')
    t.equal(await stamp.getAttribute('title'), utcText(at), 'UTC on hover')
    t.not(localText(at, TIME_ZONE), localText(at, 'UTC'))
    await browser.screenshot(page, 'job')
  })

  await t.test('reports: grouped table and a CSV byte for byte the API\'s', async t => {
    await page.goto(`${origin}/dashboard#/reports`)
    await page.waitForSelector('table')
    await page.selectOption('#group', 'key')
    await page.selectOption('#then', 'day')
    await page.click('button:has-text("Show")')
    await page.waitForFunction("location.hash.includes('group=key')")
    await page.waitForSelector('table')
    const now = new Date()
    const from = `${now.toISOString().slice(0, 8)}01`
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1))
      .toISOString().slice(0, 10)
    const report = await json<SpendReport>(`/admin/v1/reports/spend?group_by=key,day&from=${from}&to=${to}`)
    t.equal(await page.locator('tbody tr').count(), report.rows.length)
    t.equal(await page.locator('tfoot .credits').nth(2).getAttribute('aria-label'), formatCredits(report.totals.net), 'total net')

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Download CSV")')])
    const csv = await readFile(await download.path())
    const expected = await admin.get(`/admin/v1/reports/spend?group_by=key,day&from=${from}&to=${to}&format=csv`)
    t.equal(csv.toString('utf8'), expected.text, 'the CSV is the API\'s')
    t.match(download.suggestedFilename(), /^spend-.*\.csv$/)
    await browser.screenshot(page, 'reports')
  })

  await t.test('audit log: newest first', async t => {
    await page.goto(`${origin}/dashboard#/audit`)
    await page.waitForSelector('table')
    const audit = await json<ListPage<{ action: string }>>('/admin/v1/audit')
    t.equal(await page.locator('tbody tr').first().locator('code').first().textContent(), audit.items[0]?.action)
    t.equal(await page.locator('tbody tr').count(), audit.items.length)
    await browser.screenshot(page, 'audit')
  })

  await t.test('a finance key reads everything and sees no admin action', async t => {
    const tab = await browser.newPage()
    await signIn(tab, origin, financeKey.key)
    await tab.waitForSelector('[data-testid=total-net]')
    t.match(await tab.textContent('.who'), /finance \(read only\)/)
    await tab.goto(`${origin}/dashboard#/teams/studio`)
    await tab.waitForSelector('[data-key="encoder"]')
    for (const action of ['Create key', 'Rotate', 'Revoke']) {
      t.equal(await tab.locator(`button:has-text("${action}")`).count(), 0, `no ${action} button`)
    }
    await browser.screenshot(tab, 'team-finance')
    await tab.click('button:has-text("Sign out")')
    await tab.waitForSelector('#key')
    t.equal(await tab.evaluate(STORED_KEY), null, 'signing out forgets the key')
  })

  t.same(browser.problems.splice(0), [], 'no console error, page error or CSP violation on any page')

  await t.test('the policy is enforced, and a violation would have been seen', async t => {
    // the page's own script replaced by one that tries what the policy forbids (code run through the DevTools
    // protocol is exempt from CSP, so the attempt has to come from the page)
    const probe = await browser.newPage()
    await probe.route('**/dashboard/app.js', route => route.fulfill({
      contentType: 'text/javascript',
      body: `try { eval('1'); document.title = 'eval ran' } catch { document.title = 'eval blocked' }
        document.head.append(Object.assign(document.createElement('style'), { textContent: 'body { color: red }' }))`
    }))
    await probe.goto(`${origin}/dashboard`)
    await probe.waitForFunction("document.title.startsWith('eval')")
    t.equal(await probe.title(), 'eval blocked', 'no eval')
    await probe.waitForTimeout(200)
    t.match(browser.problems.join('\n'), /CSP violation: style-src/, 'an inline style is refused, and the test sees it')
  })
})
