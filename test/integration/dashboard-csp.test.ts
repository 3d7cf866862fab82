// The dashboard's assets over HTTP: the page, its bundle and stylesheet under helmet's headers and the strict CSP,
// while the data plane's answers carry none of them (it stays byte-compatible with TensorPix).
import t from 'tap'
import { buildTestGateway } from '../helpers/gateway.ts'
import { makeKey, makeTeam } from '../helpers/factories.ts'

const CSP = "default-src 'none';script-src 'self';style-src 'self';img-src 'self';connect-src 'self';base-uri 'none';" +
  "form-action 'none';frame-ancestors 'none';require-trusted-types-for 'script'"

t.test('the dashboard is served with a strict CSP; the data plane gets none', async t => {
  const gw = await buildTestGateway(t)
  const assets: Array<[string, string]> = [['/dashboard', 'text/html'], ['/dashboard/', 'text/html'],
    ['/dashboard/app.js', 'text/javascript'], ['/dashboard/dashboard.css', 'text/css'], ['/dashboard/icon.svg', 'image/svg+xml']]
  for (const [url, type] of assets) {
    const res = await gw.app.inject({ url })
    t.equal(res.statusCode, 200, url)
    t.match(res.headers['content-type'], type, url)
    t.equal(res.headers['content-security-policy'], CSP, `${url} has the CSP`)
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
    t.equal(res.headers['cache-control'], 'no-cache')
    t.notOk(res.headers['strict-transport-security'], 'no HSTS: the gateway is often reached over plain http')
  }
  const page = (await gw.app.inject({ url: '/dashboard' })).body
  t.match(page, '<script type="module" src="/dashboard/app.js"></script>')
  t.notMatch(page, /<script>|<style|style=/, 'no inline script or style')
  const bundle = (await gw.app.inject({ url: '/dashboard/app.js' })).body
  t.ok(bundle.length > 50_000, 'Chart.js is bundled')
  t.notMatch(bundle, /sourceMappingURL/, 'no source map reference')

  const team = await makeTeam(gw.db)
  const key = await makeKey(gw.db, { teamId: team.id, scopes: ['jobs:read'] })
  const admin = await makeKey(gw.db, { scopes: ['admin'] })
  // the data plane stays byte-compatible with TensorPix (nosniff only); the control plane's JSON keeps its own
  // allow-nothing CSP (test/integration/hardening/headers.test.ts covers both in full)
  const dataPlane = [
    await gw.app.inject({ url: '/api/jobs/', headers: { authorization: `Token ${key.key}` } }),
    await gw.app.inject({ url: '/api/jobs/' })
  ]
  for (const res of dataPlane) {
    t.notOk(res.headers['content-security-policy'], `${res.statusCode} ${res.raw.req.url} has no CSP`)
    t.notOk(res.headers['x-frame-options'])
  }
  const adminJson = await gw.app.inject({ url: '/admin/v1/teams', headers: { authorization: `Bearer ${admin.key}` } })
  t.not(adminJson.headers['content-security-policy'], CSP, 'the dashboard\'s CSP is the dashboard\'s alone')
  t.equal((await gw.app.inject({ url: '/dashboard/missing.js' })).statusCode, 404)
  // the paths, not the whole document: the error codes it documents include dashboard_unavailable
  const paths = Object.keys((await gw.app.inject({ url: '/docs/json' })).json().paths)
  t.notMatch(paths, /dashboard/, 'not in the API document')
})
