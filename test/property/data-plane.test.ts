// Property-based tests of the data plane, generated from its TypeBox schemas: malformed bodies (one thing wrong,
// duplicate keys, form encoding, wrong content types, garbage), query strings, path ids, headers and truncated
// uploads. Every answer is below 500, every 4xx is in TensorPix's shape, and no such request creates an upstream
// job or video or moves a credit. Fixed seed and few runs in `npm test`; `npm run fuzz` runs many more.
import t from 'tap'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { normaliseJobFields } from '../../src/tensorpix/form.ts'
import { CreateJobSchema, EnhanceVideoSchema, ModelPageQuery, PageQuery } from '../../src/tensorpix/requests.ts'
import { dataPlaneBed, type Bed } from '../helpers/data-plane-bed.ts'
import { fixtureBytes, multipartBody } from '../helpers/video-server.ts'
import {
  dataPlaneOracle, FUZZ, mutatedBody, nastyValue, nulString, validValue, withDuplicateKey, withUnstorableText,
  type Schema
} from '../helpers/schema-arbitraries.ts'

type Method = 'GET' | 'POST' | 'DELETE'
interface Sent { method: Method, url: string, payload?: string | Buffer, headers?: Record<string, string> }

const BODY_ROUTES = [
  { operationId: 'jobs_from_url_create', url: '/api/jobs/from-url/', schema: EnhanceVideoSchema },
  { operationId: 'jobs_create', url: '/api/jobs/', schema: CreateJobSchema }
] as const
const LIST_ROUTES = [
  { operationId: 'jobs_list', url: '/api/jobs/', query: PageQuery },
  { operationId: 'jobs_history_list', url: '/api/jobs/history/', query: PageQuery },
  { operationId: 'videos_list', url: '/api/videos/', query: PageQuery },
  { operationId: 'restored_videos_list', url: '/api/restored-videos/', query: PageQuery },
  { operationId: 'ml_models_list', url: '/api/ml-models/', query: ModelPageQuery },
  { operationId: 'accounts_profile_balance_retrieve', url: '/api/accounts/profile/balance/', query: PageQuery }
] as const
const ID_ROUTES = [
  { operationIds: ['jobs_retrieve', 'jobs_destroy'], url: '/api/jobs/' },
  { operationIds: ['jobs_history_retrieve'], url: '/api/jobs/history/' },
  { operationIds: ['videos_retrieve', 'videos_destroy'], url: '/api/videos/' },
  { operationIds: ['restored_videos_retrieve', 'restored_videos_destroy'], url: '/api/restored-videos/' }
] as const
const UPLOAD = 'videos_create'

/** What a request could have changed: the gateway's money and records, and TensorPix's account. */
async function footprint (bed: Bed) {
  const db = bed.gw.db
  const [ledger, jobs, media, account] = await Promise.all([
    db.ledgerEntry.count(), db.job.count(), db.mediaObject.count(), bed.sim.account()
  ])
  return {
    ledger, jobs, media, upstreamJobs: account.jobs_created, upstreamVideos: account.videos, usage: await bed.usage()
  }
}

function tensorpixShaped (res: LightMyRequestResponse): boolean {
  const body = res.json() as Record<string, unknown>
  if (typeof body.request_id !== 'string' || body.request_id !== res.headers['x-request-id']) return false
  if (typeof body.detail === 'string') return true
  return res.statusCode === 400 && Array.isArray(body.non_field_errors) && body.errors !== null && typeof body.errors === 'object' &&
    Object.values(body.errors as object).every(v => Array.isArray(v) && v.every(m => typeof m === 'string'))
}

/** Sends the request; fails the property on a 5xx, a success, a body in the wrong shape or any footprint. */
async function refused (bed: Bed, sent: Sent, allowSuccess = false): Promise<boolean> {
  const before = await footprint(bed)
  const res = await bed.gw.app.inject({
    method: sent.method,
    url: sent.url,
    headers: { authorization: `Token ${bed.key.key}`, ...sent.headers },
    ...(sent.payload === undefined ? {} : { payload: sent.payload })
  })
  const label = `${sent.method} ${sent.url.slice(0, 200)} ${String(sent.payload ?? '').slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`
  if (res.statusCode >= 500) throw new Error(`5xx: ${label}`)
  if (res.statusCode < 400 && !allowSuccess) throw new Error(`accepted: ${label}`)
  if (res.statusCode >= 400 && !tensorpixShaped(res)) throw new Error(`not in TensorPix's shape: ${label}`)
  const after = await footprint(bed)
  if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`moved something ${JSON.stringify({ before, after })}: ${label}`)
  return true
}

/** The gateway's oracle for a create body: DRF-style normalisation, then validation as Fastify does it. */
function invalidFor (schema: Schema) {
  const valid = dataPlaneOracle(schema)
  return (body: unknown) => {
    const normalised = structuredClone(body)
    normaliseJobFields(normalised)
    return !valid(normalised)
  }
}

/** A form body as the form parser reads it back: repeated keys become arrays, everything else strings. */
function asForm (body: Record<string, unknown>): { text: string, parsed: Record<string, unknown> } {
  const form = new URLSearchParams()
  for (const [key, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, typeof item === 'string' ? item : JSON.stringify(item) ?? '')
  }
  const parsed: Record<string, unknown> = {}
  for (const key of new Set(form.keys())) {
    const all = form.getAll(key)
    parsed[key] = all.length > 1 ? all : all[0]
  }
  return { text: form.toString(), parsed }
}

const run = (property: fc.IAsyncProperty<never>) => fc.assert(property, { ...FUZZ, endOnFailure: true })

// one bed for the file: every property checks its own footprint, so they need no fresh database each
const bed = await dataPlaneBed(t)

t.test('the fuzzed routes are every data-plane route', async t => {
  const paths = (bed.gw.app.swagger() as {
    paths: Record<string, Record<string, { operationId?: string, tags?: string[] }>>
  }).paths
  const operations = Object.values(paths).flatMap(methods => Object.values(methods)).filter(op => op.tags?.includes('tensorpix')).map(op => op.operationId)
  const fuzzed = [
    ...BODY_ROUTES.map(r => r.operationId), ...LIST_ROUTES.map(r => r.operationId),
    ...ID_ROUTES.flatMap(r => r.operationIds), UPLOAD
  ]
  t.same([...new Set(operations)].sort(), fuzzed.sort())
})

t.test('malformed create bodies are refused and move nothing', async t => {
  for (const route of BODY_ROUTES) {
    const invalid = invalidFor(route.schema as Schema)
    const json = mutatedBody(route.schema as Schema).filter(invalid)
      .map(body => ({ payload: JSON.stringify(body) ?? 'null', contentType: 'application/json' }))
    const duplicated = fc.tuple(
      validValue(route.schema as Schema), fc.constantFrom(...Object.keys(route.schema.properties)), nastyValue
    )
      .map(([body, key, last]) => ({ ...(body as object), [key]: last }))
      .filter(invalid)
      .chain(body => fc.constantFrom(...Object.keys(body)).map(key => ({
        payload: withDuplicateKey(body, key, (route.schema.properties as Record<string, unknown>)[key] ? 1 : null), contentType: 'application/json'
      })))
    const form = mutatedBody(route.schema as Schema)
      .filter(body => body !== null && typeof body === 'object' && !Array.isArray(body))
      .map(body => asForm(body as Record<string, unknown>))
      .filter(({ parsed }) => invalid(parsed))
      .map(({ text }) => ({ payload: text, contentType: 'application/x-www-form-urlencoded' }))
    const garbage = fc.record({
      payload: fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('{', '{"video_url":', '[1,2', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', 'null', '')),
      contentType: fc.constantFrom('application/json', 'text/plain', 'application/xml', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/png', 'application/jsonx')
    })
    await run(fc.asyncProperty(fc.oneof(json, duplicated, form, garbage), async ({ payload, contentType }) =>
      refused(bed, { method: 'POST', url: route.url, payload, headers: { 'content-type': contentType } })) as never)
  }
  t.pass('every malformed create was refused in TensorPix\'s shape')
})

t.test('unstorable text in a create or a query value is refused and moves nothing', async t => {
  for (const route of BODY_ROUTES) {
    const bodies = withUnstorableText(route.schema as Schema)
    // form and multipart bodies are UTF-8, which has no lone surrogate; JSON escapes it and carries it through
    const encoded = fc.oneof(
      bodies.map(body => ({ payload: JSON.stringify(body), contentType: 'application/json' })),
      bodies.map(body => ({ payload: asForm(body).text, contentType: 'application/x-www-form-urlencoded' }))
    )
    await run(fc.asyncProperty(encoded, async ({ payload, contentType }) =>
      refused(bed, { method: 'POST', url: route.url, payload, headers: { 'content-type': contentType } })) as never)
  }
  const query = fc.constantFrom(...LIST_ROUTES)
    .chain(route => fc.tuple(fc.constant(route.url), fc.constantFrom('x', ...Object.keys(route.query.properties)), nulString))
    .map(([url, key, value]) => ({ method: 'GET' as Method, url: `${url}?${new URLSearchParams({ [key]: value }).toString()}` }))
  await run(fc.asyncProperty(query, async sent => refused(bed, sent)) as never)
  t.pass('refused in TensorPix\'s shape, nothing moved')
})

t.test('bad headers on a create are refused and move nothing', async t => {
  const body = JSON.stringify({ video_url: bed.videos.url('clip-320x180-24fps-48f.mp4'), ml_models: [34] })
  const idempotencyKey = fc.oneof(fc.string({ minLength: 256, maxLength: 2000 }), fc.constant(''))
  const authorization = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('Token', 'Bearer ', `Token ${bed.key.key}x`, `Basic ${bed.key.key}`, `Token ${bed.sim.token}`))
  await run(fc.asyncProperty(fc.oneof(
    idempotencyKey.map(key => ({ 'idempotency-key': key })),
    authorization.map(value => ({ authorization: value }))
  ), async headers => refused(bed, { method: 'POST', url: '/api/jobs/from-url/', payload: body, headers: { 'content-type': 'application/json', ...headers } })) as never)
  t.pass('refused')
})

t.test('query strings and path ids of any kind never break a read or a delete', async t => {
  const text = fc.oneof(nastyValue.map(v => typeof v === 'string' ? v : JSON.stringify(v) ?? ''), fc.string({ unit: 'grapheme', maxLength: 40 }))
  const query = (schema: Schema) => fc.dictionary(
    fc.oneof(fc.constantFrom(...Object.keys(schema.properties ?? {})), fc.string({ maxLength: 10 })),
    text,
    { maxKeys: 4 }
  )
    .map(entries => new URLSearchParams(entries).toString())
  const list = fc.constantFrom(...LIST_ROUTES).chain(route => query(route.query as Schema).map(q => ({ method: 'GET' as Method, url: `${route.url}?${q}` })))
  const byId = fc.tuple(fc.constantFrom(...ID_ROUTES), fc.constantFrom<Method>('GET', 'DELETE'), fc.oneof(text, fc.integer().map(String), fc.constantFrom('-0', '1e3', '0x10', '99999999999999999999', '1.0', ' 1', '%2e%2e')))
    .filter(([route, method]) => method === 'GET' || route.operationIds.length > 1)
    .map(([route, method, id]) => ({ method, url: `${route.url}${encodeURIComponent(id)}/` }))
  await run(fc.asyncProperty(fc.oneof(list, byId), async sent => refused(bed, sent, true)) as never)
  t.pass('no 5xx, nothing moved')
})

t.test('truncated or mistyped uploads create no upstream video', async t => {
  const { payload, contentType } = multipartBody({}, [{ field: 'file', filename: 'a.mp4', type: 'video/mp4', content: fixtureBytes('clip-320x180-24fps-48f.mp4') }])
  const closing = payload.lastIndexOf('--') - 40 // every cut ends before the closing boundary
  const truncated = fc.integer({ min: 0, max: closing }).map(at => ({ payload: payload.subarray(0, at), headers: { 'content-type': contentType } }))
  const mistyped = fc.record({
    payload: fc.oneof(fc.constant(payload), fc.string({ maxLength: 100 }).map(s => Buffer.from(s))),
    headers: fc.constantFrom('text/plain', 'application/json', 'multipart/form-data', 'multipart/form-data; boundary=', 'video/mp4').map(type => ({ 'content-type': type }))
  })
  await run(fc.asyncProperty(fc.oneof(truncated, mistyped), async sent => refused(bed, { method: 'POST', url: '/api/videos/', ...sent })) as never)
  t.pass('refused')
})
