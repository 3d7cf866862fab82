// Every admin route: no key → 401, a jobs key → 403, finance allowed or refused as declared, admin allowed; and a
// refused request writes no audit row. The route list is checked against the OpenAPI document, so a new route
// without a line here fails this test.
import t from 'tap'
import { makeKey, makeTeam } from '../../helpers/factories.ts'
import { adminBed, teamBody, type AdminBed } from '../../helpers/admin-bed.ts'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'
interface Sample { method: Method, url: string, body?: unknown }
interface Ctx { slug: string, keyId: string, webhookId: string, jobId: string }

const ROUTES: Record<string, { finance: boolean, sample: (c: Ctx, n: number) => Sample }> = {
  createTeam: { finance: false, sample: (_c, n) => ({ method: 'POST', url: '/admin/v1/teams', body: teamBody(`new-${n}`) }) },
  listTeams: { finance: true, sample: () => ({ method: 'GET', url: '/admin/v1/teams' }) },
  getTeam: { finance: true, sample: c => ({ method: 'GET', url: `/admin/v1/teams/${c.slug}` }) },
  updateTeam: { finance: false, sample: c => ({ method: 'PATCH', url: `/admin/v1/teams/${c.slug}`, body: { name: 'Renamed' } }) },
  disableTeam: { finance: false, sample: c => ({ method: 'POST', url: `/admin/v1/teams/${c.slug}/disable` }) },
  enableTeam: { finance: false, sample: c => ({ method: 'POST', url: `/admin/v1/teams/${c.slug}/enable` }) },
  createTeamKey: {
    finance: false,
    sample: (c, n) => ({ method: 'POST', url: `/admin/v1/teams/${c.slug}/keys`, body: { name: `k-${n}`, scopes: ['jobs:read'] } })
  },
  listTeamKeys: { finance: true, sample: c => ({ method: 'GET', url: `/admin/v1/teams/${c.slug}/keys` }) },
  createPlatformKey: {
    finance: false, sample: (_c, n) => ({ method: 'POST', url: '/admin/v1/keys', body: { name: `p-${n}`, scopes: ['finance'] } })
  },
  listPlatformKeys: { finance: true, sample: () => ({ method: 'GET', url: '/admin/v1/keys' }) },
  getKey: { finance: true, sample: c => ({ method: 'GET', url: `/admin/v1/keys/${c.keyId}` }) },
  revokeKey: { finance: false, sample: c => ({ method: 'DELETE', url: `/admin/v1/keys/${c.keyId}` }) },
  rotateKey: { finance: false, sample: c => ({ method: 'POST', url: `/admin/v1/keys/${c.keyId}/rotate`, body: {} }) },
  getTeamUsage: { finance: true, sample: c => ({ method: 'GET', url: `/admin/v1/teams/${c.slug}/usage` }) },
  createBudgetAdjustment: {
    finance: true,
    sample: c => ({ method: 'POST', url: `/admin/v1/teams/${c.slug}/budget/adjustments`, body: { amount: '1', reason: 'test' } })
  },
  listAuditEvents: { finance: true, sample: () => ({ method: 'GET', url: '/admin/v1/audit' }) },
  createWebhook: {
    finance: false, sample: c => ({ method: 'POST', url: `/admin/v1/teams/${c.slug}/webhooks`, body: { url: 'https://hooks.example.com/tpx' } })
  },
  listWebhooks: { finance: true, sample: c => ({ method: 'GET', url: `/admin/v1/teams/${c.slug}/webhooks` }) },
  getWebhook: { finance: true, sample: c => ({ method: 'GET', url: `/admin/v1/teams/${c.slug}/webhooks/${c.webhookId}` }) },
  updateWebhook: {
    finance: false, sample: c => ({ method: 'PATCH', url: `/admin/v1/teams/${c.slug}/webhooks/${c.webhookId}`, body: { disabled: true } })
  },
  deleteWebhook: { finance: false, sample: c => ({ method: 'DELETE', url: `/admin/v1/teams/${c.slug}/webhooks/${c.webhookId}` }) },
  listWebhookDeliveries: { finance: true, sample: c => ({ method: 'GET', url: `/admin/v1/teams/${c.slug}/webhooks/${c.webhookId}/deliveries` }) },
  searchJobs: { finance: true, sample: c => ({ method: 'GET', url: `/admin/v1/jobs?team=${c.slug}` }) },
  getJob: { finance: true, sample: c => ({ method: 'GET', url: `/admin/v1/jobs/${c.jobId}` }) },
  whoami: { finance: true, sample: () => ({ method: 'GET', url: '/admin/v1/whoami' }) },
  getSpendReport: { finance: true, sample: () => ({ method: 'GET', url: '/admin/v1/reports/spend' }) },
  getBudgetsReport: { finance: true, sample: () => ({ method: 'GET', url: '/admin/v1/reports/budgets' }) },
  getReconciliationReport: { finance: true, sample: () => ({ method: 'GET', url: '/admin/v1/reports/reconciliation' }) },
  createAccountTopUp: {
    finance: true, sample: () => ({ method: 'POST', url: '/admin/v1/account/top-ups', body: { amount: '1.0000', note: 'probe' } })
  },
  listAccountTopUps: { finance: true, sample: () => ({ method: 'GET', url: '/admin/v1/account/top-ups' }) }
}

let counter = 0
async function context (bed: AdminBed): Promise<Ctx> {
  const team = await makeTeam(bed.gw.db)
  const key = await makeKey(bed.gw.db, { teamId: team.id, scopes: ['jobs:read'] })
  const webhook = await bed.gw.db.webhookEndpoint.create({ data: { teamId: team.id, url: 'https://hooks.example.com/tpx', secret: 'whsec_sample' } })
  const job = await bed.gw.db.job.create({
    data: { teamId: team.id, apiKeyId: key.id, source: 'from-url', state: 'queued', request: {}, periodStart: new Date('2026-11-01') }
  })
  return { slug: team.slug, keyId: key.id, webhookId: webhook.id, jobId: job.id }
}

async function send (bed: AdminBed, sample: Sample, key: string | null, scheme = 'Bearer') {
  return bed.call(sample.method, sample.url, {
    key, scheme, ...(sample.body === undefined ? {} : { body: sample.body })
  })
}

t.test('the table lists every admin route of the OpenAPI document', async t => {
  const bed = await adminBed(t)
  const paths = (bed.gw.app.swagger() as { paths: Record<string, Record<string, { operationId?: string }>> }).paths
  const operations = Object.entries(paths)
    .filter(([path]) => path.startsWith('/admin/v1/'))
    .flatMap(([, methods]) => Object.values(methods).map(op => op.operationId))
  t.same(operations.sort(), Object.keys(ROUTES).sort())
  for (const [path, methods] of Object.entries(paths).filter(([p]) => p.startsWith('/admin/v1/'))) {
    for (const op of Object.values(methods) as Array<{ tags?: string[], responses?: Record<string, unknown> }>) {
      const tag = path.startsWith('/admin/v1/reports/') ? 'reports' : 'admin'
      t.same(op.tags, [tag], `${path} is tagged ${tag}`)
      t.ok(op.responses?.['401'] && op.responses['403'] && op.responses['400'], `${path} documents its errors`)
    }
  }
})

t.test('no key, a bad key or a jobs key is refused on every admin route, with no audit row', async t => {
  const bed = await adminBed(t)
  const ctx = await context(bed)
  for (const [operation, route] of Object.entries(ROUTES)) {
    const sample = route.sample(ctx, ++counter)
    const none = await send(bed, sample, null)
    t.equal(none.status, 401, `${operation} without a key`)
    t.match(none.body, { error: 'unauthorized', requestId: String })
    const bogus = await send(bed, sample, `${bed.admin.key.slice(0, -4)}abcd`)
    t.equal(bogus.status, 401, `${operation} with a wrong secret`)
    for (const scheme of ['Bearer', 'Token']) {
      const jobs = await send(bed, sample, bed.jobs.key, scheme)
      t.equal(jobs.status, 403, `${operation} with a jobs key (${scheme})`)
      t.match(jobs.body, { error: 'forbidden', message: String, requestId: jobs.headers.get('x-request-id') })
    }
  }
  t.equal((await bed.auditRows()).length, 0)
})

t.test('finance reads everything and adjusts budgets, nothing else; admin does everything', async t => {
  const bed = await adminBed(t)
  for (const [operation, route] of Object.entries(ROUTES)) {
    const financeCtx = await context(bed)
    const before = (await bed.auditRows()).length
    const finance = await send(bed, route.sample(financeCtx, ++counter), bed.finance.key, 'Token')
    if (route.finance) {
      t.ok(finance.status < 300, `finance may ${operation} (${finance.status})`)
    } else {
      t.equal(finance.status, 403, `finance may not ${operation}`)
      t.equal((await bed.auditRows()).length, before, 'a refused write leaves no audit row')
    }
    const admin = await send(bed, route.sample(await context(bed), ++counter), bed.admin.key)
    t.ok(admin.status < 300, `admin may ${operation} (${admin.status})`)
  }
})

t.test('an expired or revoked admin key is refused', async t => {
  const bed = await adminBed(t)
  const expired = await makeKey(bed.gw.db, { scopes: ['admin'], expiresAt: new Date(Date.now() - 1000) })
  t.equal((await bed.call('GET', '/admin/v1/teams', { key: expired.key })).status, 401)
  const revoked = await makeKey(bed.gw.db, { scopes: ['admin'] })
  await bed.gw.db.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } })
  t.equal((await bed.call('GET', '/admin/v1/teams', { key: revoked.key })).status, 401)
})
