// Property-based tests of the control plane, generated from its TypeBox schemas: malformed bodies (one thing
// wrong, duplicate keys, deep nesting, wrong content types), path parameters and query strings. Every answer is
// below 500, every 4xx is the gateway envelope, and no refused request writes anything (teams, keys, ledger,
// audit log). Fixed seed and few runs in `npm test`; `npm run fuzz` runs many more.
import t from 'tap'
import fc from 'fast-check'
import { AuditQuerySchema } from '../../src/admin/audit/schemas.ts'
import { JobQuerySchema } from '../../src/admin/jobs/schemas.ts'
import { KeyCreateSchema, KeyRotateSchema } from '../../src/admin/keys/schemas.ts'
import { TeamCreateSchema, TeamPatchSchema } from '../../src/admin/teams/schemas.ts'
import { AdjustmentCreateSchema } from '../../src/admin/usage/schemas.ts'
import { TopUpCreateSchema } from '../../src/admin/account/schemas.ts'
import { PageQueryFields } from '../../src/routes/admin/schemas.ts'
import { BudgetsQuerySchema, ReconciliationQuerySchema, SpendQuerySchema } from '../../src/reports/schemas.ts'
import { DeliveryQuerySchema, WebhookCreateSchema, WebhookPatchSchema } from '../../src/webhooks/schemas.ts'
import { makeKey, makeTeam } from '../helpers/factories.ts'
import { adminBed, type AdminBed } from '../helpers/admin-bed.ts'
import { client, type Answer } from '../helpers/http.ts'
import {
  controlPlaneOracle, FUZZ, mutatedBody, nastyValue, nulString, unstorableString, validValue, withDuplicateKey,
  withUnstorableText, type Schema
} from '../helpers/schema-arbitraries.ts'
import { encodeCursor } from '../../src/admin/pagination.ts'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'
interface Target { slug: string, keyId: string, webhookId: string }

const BODY_ROUTES: Array<{ operationId: string, method: Method, url: (c: Target) => string, schema: Schema }> = [
  { operationId: 'createTeam', method: 'POST', url: () => '/admin/v1/teams', schema: TeamCreateSchema as Schema },
  { operationId: 'updateTeam', method: 'PATCH', url: c => `/admin/v1/teams/${c.slug}`, schema: TeamPatchSchema as Schema },
  { operationId: 'createTeamKey', method: 'POST', url: c => `/admin/v1/teams/${c.slug}/keys`, schema: KeyCreateSchema as Schema },
  { operationId: 'createPlatformKey', method: 'POST', url: () => '/admin/v1/keys', schema: KeyCreateSchema as Schema },
  { operationId: 'rotateKey', method: 'POST', url: c => `/admin/v1/keys/${c.keyId}/rotate`, schema: KeyRotateSchema as Schema },
  { operationId: 'createBudgetAdjustment', method: 'POST', url: c => `/admin/v1/teams/${c.slug}/budget/adjustments`, schema: AdjustmentCreateSchema as Schema },
  { operationId: 'createWebhook', method: 'POST', url: c => `/admin/v1/teams/${c.slug}/webhooks`, schema: WebhookCreateSchema as Schema },
  { operationId: 'updateWebhook', method: 'PATCH', url: c => `/admin/v1/teams/${c.slug}/webhooks/${c.webhookId}`, schema: WebhookPatchSchema as Schema },
  { operationId: 'createAccountTopUp', method: 'POST', url: () => '/admin/v1/account/top-ups', schema: TopUpCreateSchema as Schema }
]
const UNKNOWN_WEBHOOK = '00000000-0000-4000-8000-000000000000'
// routes whose only input is the path: fuzzed with slugs and ids that are not the target's
const PATH_ROUTES: Array<{ operationId: string, method: Method, url: (id: string) => string }> = [
  { operationId: 'getTeam', method: 'GET', url: s => `/admin/v1/teams/${s}` },
  { operationId: 'disableTeam', method: 'POST', url: s => `/admin/v1/teams/${s}/disable` },
  { operationId: 'enableTeam', method: 'POST', url: s => `/admin/v1/teams/${s}/enable` },
  { operationId: 'listTeamKeys', method: 'GET', url: s => `/admin/v1/teams/${s}/keys` },
  { operationId: 'getTeamUsage', method: 'GET', url: s => `/admin/v1/teams/${s}/usage` },
  { operationId: 'getKey', method: 'GET', url: id => `/admin/v1/keys/${id}` },
  { operationId: 'getJob', method: 'GET', url: id => `/admin/v1/jobs/${id}` },
  { operationId: 'revokeKey', method: 'DELETE', url: id => `/admin/v1/keys/${id}` },
  { operationId: 'listWebhooks', method: 'GET', url: s => `/admin/v1/teams/${s}/webhooks` },
  { operationId: 'getWebhook', method: 'GET', url: id => `/admin/v1/teams/fuzz-target/webhooks/${id}` },
  { operationId: 'deleteWebhook', method: 'DELETE', url: id => `/admin/v1/teams/fuzz-target/webhooks/${id}` }
]
const QUERY_ROUTES = [
  { operationId: 'listTeams', url: '/admin/v1/teams', fields: ['name', 'disabled', ...Object.keys(PageQueryFields)] },
  { operationId: 'listPlatformKeys', url: '/admin/v1/keys', fields: [] },
  { operationId: 'whoami', url: '/admin/v1/whoami', fields: [] },
  { operationId: 'listAccountTopUps', url: '/admin/v1/account/top-ups', fields: [] },
  { operationId: 'listAuditEvents', url: '/admin/v1/audit', fields: [...Object.keys(AuditQuerySchema.properties), ...Object.keys(PageQueryFields)] },
  { operationId: 'listWebhookDeliveries', url: `/admin/v1/teams/fuzz-target/webhooks/${UNKNOWN_WEBHOOK}/deliveries`, fields: [...Object.keys(DeliveryQuerySchema.properties), ...Object.keys(PageQueryFields)] },
  { operationId: 'searchJobs', url: '/admin/v1/jobs', fields: [...Object.keys(JobQuerySchema.properties), ...Object.keys(PageQueryFields)] },
  { operationId: 'getSpendReport', url: '/admin/v1/reports/spend', fields: Object.keys(SpendQuerySchema.properties) },
  { operationId: 'getBudgetsReport', url: '/admin/v1/reports/budgets', fields: Object.keys(BudgetsQuerySchema.properties) },
  { operationId: 'getReconciliationReport', url: '/admin/v1/reports/reconciliation', fields: Object.keys(ReconciliationQuerySchema.properties) }
]

async function footprint (bed: AdminBed) {
  const db = bed.gw.db
  const [audit, teams, keys, ledger, webhooks] = await Promise.all([
    db.auditEvent.count(), db.team.count(), db.apiKey.count(), db.ledgerEntry.count(), db.webhookEndpoint.count()
  ])
  return { audit, teams, keys, ledger, webhooks }
}

function enveloped (res: Answer): boolean {
  const body = res.body
  return typeof body.error === 'string' && typeof body.message === 'string' &&
    body.requestId === res.headers.get('x-request-id')
}

async function refused (
  bed: AdminBed,
  sent: { method: Method, url: string, payload?: string, contentType?: string },
  allowSuccess = false
) {
  const before = await footprint(bed)
  const payload = sent.payload === undefined ? undefined : { raw: sent.payload }
  const headers: Record<string, string> = sent.contentType ? { 'content-type': sent.contentType } : {}
  const res = await client(bed.gw.app, bed.admin.key, 'Bearer').call(sent.method, sent.url, payload, headers)
  const label = `${sent.method} ${sent.url.slice(0, 200)} ${String(sent.payload ?? '').slice(0, 300)} → ${res.status} ${res.text.slice(0, 300)}`
  if (res.status >= 500) throw new Error(`5xx: ${label}`)
  if (res.status < 400 && !allowSuccess) throw new Error(`accepted: ${label}`)
  if (res.status >= 400 && !enveloped(res)) throw new Error(`not in the gateway envelope: ${label}`)
  const after = await footprint(bed)
  if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`wrote something ${JSON.stringify({ before, after })}: ${label}`)
  return true
}

const run = (property: fc.IAsyncProperty<never>) => fc.assert(property, { ...FUZZ, endOnFailure: true })

// one bed for the file, with a team and a key for the routes that act on one: every property checks its own footprint
const bed = await adminBed(t)
const team = await makeTeam(bed.gw.db, { slug: 'fuzz-target' })
const target: Target = {
  slug: team.slug, keyId: (await makeKey(bed.gw.db, { teamId: team.id, scopes: ['jobs:read'] })).id, webhookId: UNKNOWN_WEBHOOK
}

t.test('the fuzzed routes are every control-plane route', async t => {
  const paths = (bed.gw.app.swagger() as { paths: Record<string, Record<string, { operationId?: string }>> }).paths
  const operations = Object.entries(paths).filter(([path]) => path.startsWith('/admin/v1/')).flatMap(([, methods]) => Object.values(methods).map(op => op.operationId))
  const fuzzed = [...BODY_ROUTES, ...PATH_ROUTES, ...QUERY_ROUTES].map(r => r.operationId)
  t.same(operations.sort(), fuzzed.sort())
})

t.test('malformed bodies are refused and write nothing', async t => {
  for (const route of BODY_ROUTES) {
    const valid = controlPlaneOracle(route.schema)
    const url = route.url(target)
    const keys = Object.keys(route.schema.properties ?? {})
    const json = mutatedBody(route.schema).filter(body => !valid(body)).map(body => ({ payload: JSON.stringify(body) ?? 'null', contentType: 'application/json' }))
    const duplicated = fc.tuple(validValue(route.schema), fc.constantFrom(...keys), nastyValue)
      .map(([body, key, last]) => ({ body: { ...(body as object), [key]: last } as Record<string, unknown>, key }))
      .filter(({ body }) => !valid(body))
      .map(({ body, key }) => ({ payload: withDuplicateKey(body, key, 'first'), contentType: 'application/json' }))
    const garbage = fc.record({
      payload: fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('{', '[1,2', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}', `{"a":${'['.repeat(64)}${']'.repeat(64)}}`)),
      contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml')
    })
    await run(fc.asyncProperty(
      fc.oneof(json, duplicated, garbage),
      async body => refused(bed, { method: route.method, url, ...body })
    ) as never)
  }
  t.pass('every malformed body was refused in the envelope')
})

t.test('unknown or malformed path parameters are refused and write nothing', async t => {
  const id = fc.oneof(fc.uuid(), fc.string({ unit: 'grapheme', maxLength: 80 }), nastyValue.map(v => JSON.stringify(v) ?? ''), fc.stringMatching(/^[a-z0-9-]{1,70}$/))
    .filter(v => v !== target.slug && v !== target.keyId && v.length > 0)
  await run(fc.asyncProperty(fc.constantFrom(...PATH_ROUTES), id, async (route, value) =>
    refused(bed, { method: route.method, url: route.url(encodeURIComponent(value)) })) as never)
  t.pass('refused')
})

t.test('query strings of any kind never break a list', async t => {
  const text = fc.oneof(nastyValue.map(v => typeof v === 'string' ? v : JSON.stringify(v) ?? ''), fc.string({ unit: 'grapheme', maxLength: 40 }))
  await run(fc.asyncProperty(fc.constantFrom(...QUERY_ROUTES).chain(route =>
    fc.dictionary(fc.oneof(fc.constantFrom('x', ...route.fields), fc.string({ maxLength: 8 })), text, { maxKeys: 4 })
      .map(query => `${route.url}?${new URLSearchParams(query).toString()}`)
  ), async url => refused(bed, { method: 'GET', url }, true)) as never)
  t.pass('no 5xx, nothing written')
})

// cursors this API never wrote: a key with unstorable text, a row id past PostgreSQL's bigint, an impossible or
// out-of-range date in a job search key
const craftedCursor = fc.oneof(
  unstorableString,
  fc.constantFrom('9223372036854775808', '9'.repeat(19), '99999999999999999999'),
  fc.constantFrom('2026-02-30T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '2026-13-01T00:00:00.000Z')
    .map(date => `${date} ${UNKNOWN_WEBHOOK}`)
).map(encodeCursor)

t.test('unstorable text in a body, a query value or a cursor is refused and writes nothing', async t => {
  for (const route of BODY_ROUTES) {
    await run(fc.asyncProperty(withUnstorableText(route.schema), async body =>
      refused(bed, { method: route.method, url: route.url(target), payload: JSON.stringify(body), contentType: 'application/json' })) as never)
  }
  const queries = fc.constantFrom(...QUERY_ROUTES).chain(route => fc.tuple(fc.constant(route.url), fc.constantFrom('x', ...route.fields), nulString))
  const cursors = fc.tuple(fc.constantFrom(...QUERY_ROUTES.filter(route => route.fields.includes('cursor')).map(route => route.url)), fc.constant('cursor'), craftedCursor)
  await run(fc.asyncProperty(fc.oneof(queries, cursors), async ([url, key, value]) =>
    refused(bed, { method: 'GET', url: `${url}?${new URLSearchParams({ [key]: value }).toString()}` })) as never)
  t.pass('refused in the envelope')
})
