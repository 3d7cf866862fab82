import t from 'tap'
import { readFile } from 'node:fs/promises'
import { createDb } from '../../src/db/client.ts'
import { generateOpenApiDocument, serializeOpenApi } from '../../src/openapi-document.ts'
import { buildTestGateway, TEST_MASTER_TOKEN } from '../helpers/gateway.ts'
import { makeKey } from '../helpers/factories.ts'

t.test('health, readiness, request ids and the access log', async t => {
  const gw = await buildTestGateway(t)

  const health = await gw.app.inject({ url: '/healthz' })
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  t.match(health.headers['x-request-id'], /^req_[0-9a-f-]{36}$/, 'a request id is generated')

  const ready = await gw.app.inject({ url: '/readyz', headers: { 'x-request-id': 'trace-42' } })
  t.equal(ready.statusCode, 200)
  t.equal(ready.headers['x-request-id'], 'trace-42', 'a sane incoming request id is kept')

  const hostile = await gw.app.inject({ url: '/healthz', headers: { 'x-request-id': 'a b\nc' } })
  t.not(hostile.headers['x-request-id'], 'a b\nc', 'an unsafe request id is replaced')

  const missing = await gw.app.inject({ url: '/nowhere', headers: { 'x-request-id': 'trace-43' } })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { error: 'not_found', message: 'Route GET /nowhere not found', requestId: 'trace-43' })

  const line = gw.logs.map(l => JSON.parse(l)).find(l => l.requestId === 'trace-42')
  t.match(line, { msg: 'request', method: 'GET', route: '/readyz', status: 200, durationMs: Number })
  t.equal(gw.logs.filter(l => l.includes('"trace-42"')).length, 1, 'one log line per request')
})

t.test('readiness fails with a reason when the database is unreachable', async t => {
  const gw = await buildTestGateway(t)
  const broken = createDb({ url: 'postgres://postgres@127.0.0.1:1/none' })
  const { healthRoutes } = await import('../../src/routes/health.ts')
  const Fastify = (await import('fastify')).default
  const app = Fastify()
  await app.register(healthRoutes, { db: broken })
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'unavailable', reason: 'database unreachable' })
  t.ok(gw)
})

t.test('secrets never reach the logs', async t => {
  const gw = await buildTestGateway(t)
  const key = await makeKey(gw.db, { scopes: ['admin'] })
  gw.app.log.info({ headers: { authorization: `Token ${key.key}` } }, 'headers')
  gw.app.log.info(`an error that quotes ${key.key} and ${TEST_MASTER_TOKEN}`)
  await gw.app.inject({ url: '/nowhere', headers: { authorization: `Token ${key.key}` } })
  const all = gw.logs.join('\n')
  t.notMatch(all, key.key)
  t.notMatch(all, TEST_MASTER_TOKEN)
  t.match(all, `${key.key.slice(0, 17)}[REDACTED]`, 'the public part stays for correlation')
})

t.test('the checked-in OpenAPI document matches the code', async t => {
  const checkedIn = await readFile(new URL('../../openapi/gateway.json', import.meta.url), 'utf8')
  t.equal(serializeOpenApi(await generateOpenApiDocument()), checkedIn, 'run `npm run openapi` and commit the result')
})

t.test('the API docs are served', async t => {
  const gw = await buildTestGateway(t)
  const ui = await gw.app.inject({ url: '/docs' })
  t.equal(ui.statusCode, 200)
  const json = await gw.app.inject({ url: '/docs/json' })
  t.equal(json.json().openapi, '3.1.0')
})
