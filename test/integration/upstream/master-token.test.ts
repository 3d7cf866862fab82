// The master token goes to the configured TensorPix origin and nowhere else: not after a redirect, not to an
// absolute URL in an answer, not to a path that looks like another origin; the gateway's own answers that carry
// upstream links (ml-models pagination) point at the gateway without anyone fetching them; and an answer that
// echoes the token has it redacted before anything reads it.
import t, { type Test } from 'tap'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { UpstreamClient } from '../../../src/upstream/client.ts'
import { upstreamOptions } from '../../helpers/upstream.ts'
import { buildTestGateway, TEST_MASTER_TOKEN } from '../../helpers/gateway.ts'
import { makeKey, makeTeam } from '../../helpers/factories.ts'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'

interface Seen { url: string, headers: IncomingHttpHeaders }

async function server (
  t: Test,
  answer: (url: string, elsewhere: string) => { status: number, headers?: Record<string, string>, body?: unknown }
) {
  const seen: Seen[] = []
  let elsewhere = ''
  const s = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers })
    const { status, headers = {}, body } = answer(req.url ?? '', elsewhere)
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body === undefined ? '' : JSON.stringify(body))
  })
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { s.closeAllConnections(); s.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen, pointAt: (url: string) => { elsewhere = url } }
}

const OPTIONS = upstreamOptions({ headersTimeoutMs: 2000, bodyTimeoutMs: 2000 })

t.test('redirects, absolute URLs and origin-like paths never take the token elsewhere', async t => {
  const other = await server(t, () => ({ status: 200, body: { stolen: true } }))
  const upstream = await server(t, (url, elsewhere) => url.startsWith('/api/redirect/')
    ? { status: 302, headers: { location: `${elsewhere}/api/jobs/` } }
    : { status: 200, body: { next: `${elsewhere}/api/ml-models/?page=2`, video_url: `${elsewhere}/file.mp4` } })
  upstream.pointAt(other.url)
  const client = new UpstreamClient({ baseUrl: upstream.url, token: TEST_MASTER_TOKEN, simulated: false }, OPTIONS)
  t.teardown(() => client.close())

  const redirected = await client.request({ method: 'GET', path: '/api/redirect/', requestId: 'r1' })
  t.equal(redirected.status, 302, 'a redirect is answered as it is, not followed')
  await client.request({ method: 'GET', path: '/api/ml-models/', requestId: 'r2' })
  for (const path of [`//127.0.0.1:${new URL(other.url).port}/api/jobs/`, `${other.url}/api/jobs/`]) {
    await client.request({ method: 'GET', path, requestId: 'r3' }).catch(() => null)
  }
  t.same(other.seen, [], 'the other server never received a request')
  t.ok(upstream.seen.length >= 2 && upstream.seen.every(s => s.headers.authorization === `Token ${TEST_MASTER_TOKEN}`), 'the configured origin got every call, with the token')
})

t.test('the gateway rewrites upstream links without following them', async t => {
  const other = await server(t, () => ({ status: 200, body: { stolen: true } }))
  const upstream = await server(t, (_url, elsewhere) => ({ status: 200, body: { count: 2, next: `${elsewhere}/api/ml-models/?page=2`, previous: null, results: [] } }))
  upstream.pointAt(other.url)
  const gw = await buildTestGateway(t, {
    upstream: { baseUrl: upstream.url, token: TEST_MASTER_TOKEN, simulated: false },
    env: { PUBLIC_URL: 'https://gateway.example.com' }
  })
  const team = await makeTeam(gw.db)
  const key = await makeKey(gw.db, { teamId: team.id, scopes: ['jobs:read'] })
  const res = await gw.app.inject({ method: 'GET', url: '/api/ml-models/', headers: { authorization: `Token ${key.key}`, host: 'evil.example' } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().next, 'https://gateway.example.com/api/ml-models/?page=2', 'the link points at the gateway\'s public origin, not the Host sent')
  t.same(other.seen, [], 'and nobody fetched the upstream one')
})

t.test('an upstream answer that echoes the master token reaches no client and no record (issue 20, item 7)', async t => {
  const bed = await dataPlaneBed(t)
  const token = bed.sim.token
  const created = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(created.status, 201, created.text)
  const echo = (route: string, status: number) => bed.sim.control('PUT', '/faults', {
    faults: [{ kind: 'error', route, status, detail: `Token ${token} may not do this.`, times: 1 }]
  })

  await echo('GET /api/jobs/:id/', 404)
  const read = await bed.api.get(`/api/jobs/${String(created.body.id)}/`)
  t.equal(read.status, 404)
  t.equal(read.body.detail, 'Token [redacted] may not do this.', 'a refusal passes through, the token replaced')

  await echo('POST /api/jobs/from-url/', 400)
  const refused = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, { 'idempotency-key': 'echo-1' })
  t.equal(refused.status, 400)
  t.equal(refused.body.detail, 'Token [redacted] may not do this.')
  const replayed = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, { 'idempotency-key': 'echo-1' })
  t.equal(replayed.body.detail, 'Token [redacted] may not do this.', 'and so is the refusal replayed under its key')

  for (const res of [read, refused, replayed]) t.notOk(res.text.includes(token), 'no answer carries the token')
  const rows = await bed.gw.db.job.findMany({ where: { teamId: bed.team.id } })
  t.notOk(JSON.stringify(rows).includes(token), 'no job row stored it')
  const warnings = bed.gw.logs.filter(line => line.includes('TensorPix echoed the master token'))
  t.equal(warnings.length, 2, 'each echo logged a warning')
  t.notOk(warnings.some(line => line.includes('[REDACTED]')), 'without the token (which the logger would have censored)')
})
