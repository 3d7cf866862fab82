// Pagination links (`next`/`previous`) point at the gateway's configured public origin, or at what a trusted proxy
// says it is, never at whatever Host a client sent: a link built from it would take the next page's request, key
// and all, wherever that header said (issue 20, item 7).
import t, { type Test } from 'tap'
import type { AddressInfo } from 'node:net'
import { buildTestGateway } from '../../helpers/gateway.ts'
import { makeTeamWithKey } from '../../helpers/factories.ts'

// an empty team's second page: a `previous` link, and no upstream call to make
const SECOND_PAGE = '/api/jobs/?limit=1&offset=1'

async function gatewayWith (t: Test, env: Record<string, string> = {}) {
  const gw = await buildTestGateway(t, { env })
  const { key } = await makeTeamWithKey(gw.db)
  const previousLink = async (headers: Record<string, string>, remoteAddress?: string) => {
    const res = await gw.app.inject({
      method: 'GET', url: SECOND_PAGE, headers: { authorization: `Token ${key.key}`, ...headers }, ...(remoteAddress ? { remoteAddress } : {})
    })
    t.equal(res.statusCode, 200)
    return res.json().previous as string
  }
  return { gw, key, previousLink }
}

t.test('without PUBLIC_URL or a trusted proxy, links use the address the client connected to, not its Host', async t => {
  const { gw, key, previousLink } = await gatewayWith(t)
  t.equal(await previousLink({ host: 'evil.example' }), 'http://localhost/api/jobs/?limit=1', 'an injected request has no address: localhost')
  await gw.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = gw.app.server.address() as AddressInfo
  const res = await fetch(`http://127.0.0.1:${port}${SECOND_PAGE}`, { headers: { authorization: `Token ${key.key}`, 'x-forwarded-host': 'evil.example' } })
  // fetch sets Host itself; the link must not follow X-Forwarded-Host from an untrusted client either
  t.equal((await res.json() as { previous: string }).previous, `http://127.0.0.1:${port}/api/jobs/?limit=1`)
})

t.test('PUBLIC_URL is the origin of every link, whatever the headers say', async t => {
  const { previousLink } = await gatewayWith(t, { PUBLIC_URL: 'https://gateway.example.com', TRUST_PROXY: '127.0.0.1' })
  t.equal(await previousLink({ host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-for': '198.51.100.1' }),
    'https://gateway.example.com/api/jobs/?limit=1')
})

t.test('behind a trusted proxy, links use the host and scheme the proxy forwarded; from anyone else, not', async t => {
  const { previousLink } = await gatewayWith(t, { TRUST_PROXY: '127.0.0.1' })
  const forwarded = { host: 'internal:8080', 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.1' }
  t.equal(await previousLink(forwarded), 'https://api.example.com/api/jobs/?limit=1', 'the trusted proxy names the origin')
  const direct = await previousLink({ ...forwarded, host: 'evil.example', 'x-forwarded-host': 'evil.example' }, '203.0.113.9')
  t.notMatch(direct, /evil\.example/, 'an untrusted client cannot name it with either header')
  t.notMatch(direct, /^https:/, 'nor the scheme')
})
