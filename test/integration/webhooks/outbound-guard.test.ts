// The outbound guard at delivery time: a name resolving to a refused address is refused inside the connection's
// lookup (so a rebinding name cannot slip through), the URL is checked again under the current policy, and a
// redirect is never followed. Nothing refused ever reaches the receiver.
import type { LookupAddress } from 'node:dns'
import pino from 'pino'
import t, { type Test } from 'tap'
import { request } from 'undici'
import type { Db } from '../../../src/db/client.ts'
import { outboundAgent, type OutboundPolicy } from '../../../src/net/outbound.ts'
import { emitEvent } from '../../../src/webhooks/events.ts'
import { deliverDueWebhooks } from '../../../src/workers/deliver-webhooks.ts'
import { makeTeam } from '../../helpers/factories.ts'
import { buildTestGateway } from '../../helpers/gateway.ts'
import { startReceiver } from '../../helpers/webhook-receiver.ts'

const STRICT: OutboundPolicy = { allowLoopback: false, allowPrivate: false }
const LOOPBACK: OutboundPolicy = { allowLoopback: true, allowPrivate: false }

/** A resolver that answers from a table, standing in for DNS (and for a rebinding one). */
function fakeDns (table: Record<string, string[]>) {
  const calls: string[] = []
  const resolve = (
    hostname: string,
    _options: unknown,
    callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void
  ) => {
    calls.push(hostname)
    const addresses = table[hostname]
    if (!addresses) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), [])
    callback(null, addresses.map(address => ({ address, family: address.includes(':') ? 6 : 4 })))
  }
  return { resolve, calls }
}

async function oneDelivery (t: Test, db: Db, url: string, policy: OutboundPolicy, resolve?: ReturnType<typeof fakeDns>['resolve']) {
  const team = await makeTeam(db)
  await db.webhookEndpoint.create({ data: { teamId: team.id, url, secret: 'whsec_guard' } })
  await db.$transaction(tx => emitEvent(tx, team.id, 'reconciliation.drift', { drift: '1.0000' }))
  const agent = outboundAgent(policy, { timeoutMs: 2000, ...(resolve ? { resolve } : {}) })
  t.teardown(() => agent.close())
  await deliverDueWebhooks({ db, log: pino({ level: 'silent' }), agent, policy, timeoutMs: 2000, options: { maxAttempts: 3, retryBaseMs: 60_000 } })
  return db.webhookDelivery.findFirstOrThrow({ where: { teamId: team.id } })
}

t.test('a name resolving to loopback, private or link-local is refused at connect', async t => {
  const gw = await buildTestGateway(t)
  const receiver = await startReceiver(t)
  const dns = fakeDns({
    'rebind.example': ['127.0.0.1'],
    'mixed.example': ['93.184.216.34', '10.0.0.7'],
    'metadata.example': ['169.254.169.254'],
    'mapped.example': ['::ffff:127.0.0.1']
  })
  for (const host of ['rebind.example', 'mixed.example', 'metadata.example', 'mapped.example']) {
    const delivery = await oneDelivery(t, gw.db, `https://${host}:${receiver.port}/hook`, STRICT, dns.resolve)
    t.match(delivery, { state: 'pending', attempts: 1, lastStatus: null, lastError: /EOUTBOUNDREFUSED refused to connect to .*(loopback|private|link-local) address/ }, host)
  }
  t.same(dns.calls.sort(), ['mapped.example', 'metadata.example', 'mixed.example', 'rebind.example'], 'each name was resolved at connect')
  t.equal(receiver.received.length, 0, 'nothing reached the receiver')
})

t.test('the same lookup lets an allowed address through (the guard is what refused above)', async t => {
  const gw = await buildTestGateway(t)
  const receiver = await startReceiver(t)
  const dns = fakeDns({ 'hooks.localhost': ['127.0.0.1'] })
  const delivery = await oneDelivery(t, gw.db, `http://hooks.localhost:${receiver.port}/hook`, LOOPBACK, dns.resolve)
  t.match(delivery, { state: 'delivered', lastStatus: 204 })
  t.same(dns.calls, ['hooks.localhost'])
  t.equal(receiver.received.length, 1)
})

t.test('the URL is checked again under the current policy: registered with loopback allowed, refused without', async t => {
  const gw = await buildTestGateway(t)
  const receiver = await startReceiver(t)
  const delivery = await oneDelivery(t, gw.db, receiver.url(), STRICT)
  t.match(delivery, { state: 'pending', lastError: /^URL refused: must use https/ })
  t.equal(receiver.received.length, 0)
})

t.test('a redirect is not followed, even to an allowed address', async t => {
  const gw = await buildTestGateway(t)
  const target = await startReceiver(t)
  const redirecting = await startReceiver(t)
  redirecting.answer = () => ({ status: 307, headers: { location: target.url('/elsewhere') } })
  const delivery = await oneDelivery(t, gw.db, redirecting.url(), LOOPBACK)
  t.match(delivery, { state: 'pending', lastStatus: 307, lastError: 'HTTP 307 (redirects are not followed)' })
  t.equal(redirecting.received.length, 1)
  t.equal(target.received.length, 0, 'the redirect target was never called')
})

t.test('the agent refuses a literal-free connection to a private name on its own, for any caller', async t => {
  const receiver = await startReceiver(t)
  const agent = outboundAgent(STRICT, { timeoutMs: 2000, resolve: fakeDns({ 'internal.example': ['192.168.1.20'] }).resolve })
  t.teardown(() => agent.close())
  await t.rejects(request(`http://internal.example:${receiver.port}/`, { dispatcher: agent }), { code: 'EOUTBOUNDREFUSED' })
  t.equal(receiver.received.length, 0)
})
