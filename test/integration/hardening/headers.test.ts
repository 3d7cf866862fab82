// Security headers by plane, and CORS: closed on the data plane unless CORS_ORIGINS names an origin, never on the
// control plane.
import t from 'tap'
import { makeKey } from '../../helpers/factories.ts'
import { dataPlaneBed } from '../../helpers/data-plane-bed.ts'

const HELMET_ONLY = ['x-frame-options', 'content-security-policy', 'cross-origin-opener-policy', 'referrer-policy', 'x-dns-prefetch-control']

t.test('control-plane pages and JSON get helmet; the data plane only nosniff', async t => {
  const bed = await dataPlaneBed(t)
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  const adminAnswer = await fetch(`${bed.origin}/admin/v1/teams`, { headers: { authorization: `Bearer ${admin.key}` } })
  t.equal(adminAnswer.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none'")
  t.equal(adminAnswer.headers.get('x-frame-options'), 'SAMEORIGIN')
  t.equal(adminAnswer.headers.get('x-content-type-options'), 'nosniff')

  const docs = await fetch(`${bed.origin}/docs/static/index.html`, { redirect: 'follow' })
  t.equal(docs.status, 200)
  const csp = docs.headers.get('content-security-policy') ?? ''
  t.match(csp, /default-src 'self'.*script-src 'self'/, 'the docs page gets its own CSP: scripts from itself only')
  t.notMatch(csp, /unsafe-inline|unsafe-eval/)
  t.notMatch(csp, /upgrade-insecure-requests/, 'that works on plain http too')
  t.match(csp, /(^|;\s*)frame-ancestors 'none'(;|$)/, 'and may not be framed, as the rest of the control plane')
  t.notMatch(csp, /frame-ancestors 'self'/)

  for (const res of [await fetch(`${bed.origin}/api/jobs/`, { headers: { authorization: `Token ${bed.key.key}` } }), await fetch(`${bed.origin}/api/jobs/`)]) {
    t.equal(res.headers.get('x-content-type-options'), 'nosniff', `data plane ${res.status}: nosniff`)
    for (const name of HELMET_ONLY) t.equal(res.headers.get(name), null, `data plane ${res.status}: no ${name}`)
  }
})

t.test('CORS is closed by default', async t => {
  const bed = await dataPlaneBed(t)
  const res = await fetch(`${bed.origin}/api/jobs/`, { headers: { authorization: `Token ${bed.key.key}`, origin: 'https://app.example' } })
  t.equal(res.status, 200)
  t.equal(res.headers.get('access-control-allow-origin'), null)
  const preflight = await fetch(`${bed.origin}/api/jobs/`, {
    method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' }
  })
  t.equal(preflight.headers.get('access-control-allow-origin'), null, 'a preflight is not granted')
})

t.test('CORS_ORIGINS opens the data plane to exactly those origins', async t => {
  const bed = await dataPlaneBed(t, { env: { CORS_ORIGINS: 'https://app.example,https://ops.example' } })
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  const allowed = await fetch(`${bed.origin}/api/jobs/`, { headers: { authorization: `Token ${bed.key.key}`, origin: 'https://app.example' } })
  t.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example')
  t.match(allowed.headers.get('access-control-expose-headers'), /x-request-id/)
  t.equal(allowed.headers.get('access-control-allow-credentials'), null, 'no credentials: keys are not cookies')
  const preflight = await fetch(`${bed.origin}/api/jobs/from-url/`, {
    method: 'OPTIONS', headers: { origin: 'https://ops.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }
  })
  t.equal(preflight.status, 204)
  t.equal(preflight.headers.get('access-control-allow-origin'), 'https://ops.example')
  t.match(preflight.headers.get('access-control-allow-headers'), /authorization/)
  const other = await fetch(`${bed.origin}/api/jobs/`, { headers: { authorization: `Token ${bed.key.key}`, origin: 'https://evil.example' } })
  t.equal(other.headers.get('access-control-allow-origin'), null, 'another origin is not')
  const control = await fetch(`${bed.origin}/admin/v1/teams`, { headers: { authorization: `Bearer ${admin.key}`, origin: 'https://app.example' } })
  t.equal(control.headers.get('access-control-allow-origin'), null, 'the control plane never answers CORS')
})
