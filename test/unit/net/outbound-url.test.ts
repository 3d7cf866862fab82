import t from 'tap'
import { addressRefusal, checkOutboundUrl, MAX_OUTBOUND_URL_LENGTH, type OutboundPolicy } from '../../../src/net/outbound.ts'

const STRICT: OutboundPolicy = { allowLoopback: false, allowPrivate: false }
const LOOPBACK: OutboundPolicy = { allowLoopback: true, allowPrivate: false }
const PRIVATE: OutboundPolicy = { allowLoopback: false, allowPrivate: true }

const refusal = (url: string, policy: OutboundPolicy) => {
  const checked = checkOutboundUrl(url, policy)
  return 'refusal' in checked ? checked.refusal : null
}

t.test('https to a public name or address passes', async t => {
  for (const url of ['https://hooks.example.com/tpx', 'https://8.8.8.8:8443/x?y=1', 'https://[2606:4700::1111]/']) {
    t.equal(refusal(url, STRICT), null, url)
  }
})

t.test('plain http only to a loopback host, and only when loopback is allowed', async t => {
  t.match(refusal('http://hooks.example.com/', STRICT), /must use https/)
  t.match(refusal('http://hooks.example.com/', LOOPBACK), /must use https/)
  t.match(refusal('http://10.0.0.1/', PRIVATE), /must use https/)
  t.match(refusal('http://127.0.0.1:8080/', STRICT), /must use https/)
  t.equal(refusal('http://127.0.0.1:8080/hook', LOOPBACK), null)
  t.equal(refusal('http://[::1]:8080/hook', LOOPBACK), null)
  t.equal(refusal('http://localhost:8080/hook', LOOPBACK), null)
  t.match(refusal('ftp://127.0.0.1/', LOOPBACK), /must use https/)
})

t.test('literal addresses are classified, whatever their spelling', async t => {
  for (const url of ['https://127.0.0.1/', 'https://2130706433/', 'https://0x7f.1/', 'https://[::ffff:127.0.0.1]/', 'https://localhost/', 'https://a.localhost/']) {
    t.match(refusal(url, STRICT), /loopback/, url)
  }
  t.match(refusal('https://169.254.169.254/latest/meta-data/', { allowLoopback: true, allowPrivate: true }), /link-local/, 'metadata never')
  t.match(refusal('https://10.0.0.1/', STRICT), /private address \(OUTBOUND_ALLOW_PRIVATE allows it\)/)
  t.equal(refusal('https://10.0.0.1/', PRIVATE), null)
  t.equal(refusal('https://[fd00::1]/', PRIVATE), null)
  t.match(refusal('https://0.0.0.0/', { allowLoopback: true, allowPrivate: true }), /unspecified/)
  t.match(refusal('https://[ff02::1]/', STRICT), /multicast/)
})

t.test('no credentials, no junk, bounded length', async t => {
  t.match(refusal('https://user:pw@hooks.example.com/', STRICT), /credentials/)
  t.match(refusal('not a url', STRICT), /is not a URL/)
  t.match(refusal(`https://hooks.example.com/${'a'.repeat(MAX_OUTBOUND_URL_LENGTH)}`, STRICT), /at most/)
})

t.test('addressRefusal names the setting that would allow an address', async t => {
  t.equal(addressRefusal('8.8.8.8', STRICT), null)
  t.match(addressRefusal('127.0.0.1', STRICT), /OUTBOUND_ALLOW_LOOPBACK/)
  t.equal(addressRefusal('127.0.0.1', LOOPBACK), null)
  t.equal(addressRefusal('::1', LOOPBACK), null)
  t.notMatch(addressRefusal('169.254.169.254', STRICT) ?? '', /allows it/)
})
