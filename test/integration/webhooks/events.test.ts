// Every event type reaches a local receiver, signed, through the outbox and the delivery worker; a 500 is retried;
// an event filter is honoured; a rolled-back change sends nothing; budget alerts fire once per period.
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import t, { type Test } from 'tap'
import type { Db } from '../../../src/db/client.ts'
import { outboundAgent, type OutboundPolicy } from '../../../src/net/outbound.ts'
import { ACCOUNT_EVENT_TYPES, emitAccountEvent, emitEvent, WEBHOOK_EVENT_TYPES } from '../../../src/webhooks/events.ts'
import { deliverDueWebhooks, type DeliveryDeps } from '../../../src/workers/deliver-webhooks.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { makeKey } from '../../helpers/factories.ts'
import { client, type Doc } from '../../helpers/http.ts'
import { startReceiver, verify, type Receiver } from '../../helpers/webhook-receiver.ts'

const LOOPBACK: OutboundPolicy = { allowLoopback: true, allowPrivate: false }

function deliveryDeps (t: Test, db: Db, options: Partial<DeliveryDeps['options']> = {}): DeliveryDeps {
  const agent = outboundAgent(LOOPBACK, { timeoutMs: 2000 })
  t.teardown(() => agent.close())
  return { db, log: pino({ level: 'silent' }), agent, policy: LOOPBACK, timeoutMs: 2000, options: { maxAttempts: 5, retryBaseMs: 20, ...options } }
}

/** Worker passes until nothing is pending (or the deadline). */
async function deliverAll (deps: DeliveryDeps, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    await deliverDueWebhooks(deps)
    if (await deps.db.webhookDelivery.count({ where: { state: 'pending' } }) === 0) return
    await sleep(25)
  }
}

async function admin (bed: Bed) {
  const api = client(bed.gw.app, (await makeKey(bed.gw.db, { scopes: ['admin'] })).key, 'Bearer')
  return (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    api.call<Doc & { items?: Doc[] }>(method, url, body === undefined ? undefined : { json: body })
}

async function register (bed: Bed, receiver: Receiver, path: string, events?: string[]) {
  const call = await admin(bed)
  const res = await call('POST', `/admin/v1/teams/${bed.team.slug}/webhooks`, { url: receiver.url(path), ...(events ? { events } : {}), description: path })
  if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`)
  return { id: String(res.body.id), secret: String(res.body.secret), call }
}

async function create (bed: Bed, api = bed.api) {
  const res = await api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`)
  return Number(res.body.id)
}

t.test('every event type, signed, with a retried delivery after a 500', async t => {
  // a soft budget of 10 with the default hold of 10: the first hold crosses 50 % and exhausts the budget; the
  // later holds are past it too, and raise nothing more
  const bed = await dataPlaneBed(t, { env: { OUTBOUND_ALLOW_LOOPBACK: 'true' }, team: { budgetCredits: '10', budgetMode: 'soft', alertThresholds: [50] } })
  const receiver = await startReceiver(t)
  // the first attempt of the threshold event fails
  receiver.answer = request => ({
    status: request.headers['x-tpx-event-type'] === 'budget.threshold' && request.headers['x-tpx-delivery-attempt'] === '1' ? 500 : 200
  })
  const all = await register(bed, receiver, '/all')
  const finishedOnly = await register(bed, receiver, '/finished', ['job.finished'])
  const deps = deliveryDeps(t, bed.gw.db)

  const first = await create(bed)
  await deliverDueWebhooks(deps)
  t.same(receiver.received.map(r => r.headers['x-tpx-event-type']).sort(), ['budget.exhausted', 'budget.threshold'], 'the budget events were sent at once')
  const log = await all.call('GET', `/admin/v1/teams/${bed.team.slug}/webhooks/${all.id}/deliveries?state=pending`)
  t.match(log.body.items, [{ eventType: 'budget.threshold', state: 'pending', attempts: 1, lastStatus: 500, lastError: 'HTTP 500', deliveredAt: null }])

  const second = await create(bed)
  const third = await create(bed)
  await bed.sim.complete(first)
  await bed.sim.fail(second)
  t.equal((await bed.api.get(`/api/jobs/${first}/`)).body.status, 2)
  t.equal((await bed.api.get(`/api/jobs/${second}/`)).body.status, -1)
  t.equal((await bed.api.delete(`/api/jobs/${third}/`)).status, 204)
  t.equal((await bed.api.get(`/api/jobs/${third}/`)).body.status, -2)
  const drift = { from: '2026-11-01', to: '2026-12-01', ledgerNet: '1.0000', upstreamCost: '1.2500', drift: '0.2500', jobs: [] }
  await bed.gw.db.$transaction(tx => emitEvent(tx, bed.team.id, 'reconciliation.drift', drift))
  const accountWide = await bed.gw.db.$transaction(tx => emitAccountEvent(tx, 'reconciliation.account_drift', { cumulativeDrift: '-1.0000' }))
  t.equal(accountWide, 0, 'an account event goes only to endpoints that name it, not to an "all types" one')
  await deliverAll(deps)

  const toAll = receiver.received.filter(r => r.path === '/all')
  const types = toAll.map(r => String(r.headers['x-tpx-event-type']))
  const teamTypes = WEBHOOK_EVENT_TYPES.filter(type => !ACCOUNT_EVENT_TYPES.includes(type))
  t.same([...new Set(types)].sort(), [...teamTypes].sort(), 'every team event type arrived')
  t.equal(types.filter(type => type === 'budget.threshold').length, 2, 'the threshold event twice: the 500, then its retry')
  t.equal(types.filter(type => type === 'budget.exhausted').length, 1, 'exhausted once, though every later create was past the budget too')
  t.same(receiver.received.filter(r => r.path === '/finished').map(r => r.headers['x-tpx-event-type']), ['job.finished'], 'the filter holds')

  for (const request of receiver.received) {
    const secret = request.path === '/all' ? all.secret : finishedOnly.secret
    t.ok(verify(secret, request.headers['x-tpx-signature'] as string, request.body), `${request.headers['x-tpx-event-type']} is signed`)
    t.notOk(verify(secret, request.headers['x-tpx-signature'] as string, `${request.body} `), 'a changed body fails verification')
    t.match(request.json, { id: request.headers['x-tpx-event-id'], type: request.headers['x-tpx-event-type'], createdAt: String, team: { slug: bed.team.slug }, data: Object })
    t.equal(request.headers['content-type'], 'application/json')
  }
  const [failedAttempt, retry] = toAll.filter(r => r.headers['x-tpx-event-type'] === 'budget.threshold')
  t.equal(retry?.headers['x-tpx-event-id'], failedAttempt?.headers['x-tpx-event-id'], 'the retry carries the same event id')
  t.equal(retry?.body, failedAttempt?.body, 'and the same bytes')
  t.same([failedAttempt?.headers['x-tpx-delivery-attempt'], retry?.headers['x-tpx-delivery-attempt']], ['1', '2'])

  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: first } })
  const finished = toAll.find(r => r.headers['x-tpx-event-type'] === 'job.finished')
  t.match(finished?.json.data, { jobId: job.id, upstreamId: first, status: 2, state: 'finished', cost: job.actualCost?.toFixed(4), apiKeyId: bed.key.id })
  t.match(toAll.find(r => r.headers['x-tpx-event-type'] === 'job.failed')?.json.data, { upstreamId: second, status: -1, cost: '0.0000' })
  t.match(toAll.find(r => r.headers['x-tpx-event-type'] === 'job.cancelled')?.json.data, { upstreamId: third, status: -2, cost: '0.0000' })
  t.match(toAll.find(r => r.headers['x-tpx-event-type'] === 'budget.threshold')?.json.data,
    { threshold: 50, budget: '10.0000', charged: '0.0000', held: '10.0000', used: '10.0000', mode: 'soft', percentUsed: '100.00', period: 'month' })
  t.match(toAll.find(r => r.headers['x-tpx-event-type'] === 'budget.exhausted')?.json.data, { budget: '10.0000', remaining: '0.0000' })
  t.same(toAll.find(r => r.headers['x-tpx-event-type'] === 'reconciliation.drift')?.json.data, drift)

  const delivered = await all.call('GET', `/admin/v1/teams/${bed.team.slug}/webhooks/${all.id}/deliveries`)
  t.equal(delivered.body.items?.length, 6)
  t.ok(delivered.body.items?.every(d => d.state === 'delivered' && d.lastStatus === 200 && d.deliveredAt), 'all delivered')
  t.match(delivered.body.items?.find(d => d.eventType === 'budget.threshold'), { attempts: 2, lastError: null })
})

t.test('a rolled-back change sends nothing; a team without endpoints queues nothing; failures end as failed', async t => {
  const bed = await dataPlaneBed(t, { env: { OUTBOUND_ALLOW_LOOPBACK: 'true' } })
  const receiver = await startReceiver(t)
  receiver.answer = () => ({ status: 503 })
  const hook = await register(bed, receiver, '/down')

  await t.rejects(bed.gw.db.$transaction(async tx => {
    await emitEvent(tx, bed.team.id, 'reconciliation.drift', { drift: '1.0000' })
    throw new Error('the change fails')
  }))
  t.equal(await bed.gw.db.webhookDelivery.count(), 0, 'no outbox row survives a rollback')

  const other = await bed.newTeam()
  const id = await create(bed, other.api)
  await bed.sim.complete(id)
  t.equal((await other.api.get(`/api/jobs/${id}/`)).body.status, 2)
  t.equal(await bed.gw.db.webhookDelivery.count(), 0, 'no endpoint, no row')

  await bed.gw.db.$transaction(tx => emitEvent(tx, bed.team.id, 'reconciliation.drift', { drift: '1.0000' }))
  await deliverAll(deliveryDeps(t, bed.gw.db, { maxAttempts: 3, retryBaseMs: 5 }))
  t.equal(receiver.received.length, 3, 'tried maxAttempts times')
  const log = await hook.call('GET', `/admin/v1/teams/${bed.team.slug}/webhooks/${hook.id}/deliveries?state=failed`)
  t.match(log.body.items, [{ state: 'failed', attempts: 3, lastStatus: 503, deliveredAt: null, nextAttemptAt: null }])

  t.equal((await hook.call('PATCH', `/admin/v1/teams/${bed.team.slug}/webhooks/${hook.id}`, { disabled: true })).status, 200)
  await bed.gw.db.$transaction(tx => emitEvent(tx, bed.team.id, 'reconciliation.drift', { drift: '2.0000' }))
  t.equal(await bed.gw.db.webhookDelivery.count(), 1, 'a disabled endpoint gets no new events')
})

t.test('concurrent workers send each event once; a receiver that hangs is cut off by the time limit', async t => {
  const bed = await dataPlaneBed(t, { env: { OUTBOUND_ALLOW_LOOPBACK: 'true' } })
  const receiver = await startReceiver(t)
  await register(bed, receiver, '/many')
  for (let i = 0; i < 24; i++) await bed.gw.db.$transaction(tx => emitEvent(tx, bed.team.id, 'reconciliation.drift', { n: i }))
  const deps = deliveryDeps(t, bed.gw.db)
  await Promise.all(Array.from({ length: 4 }, () => deliverDueWebhooks(deps)))
  const ids = receiver.received.map(r => r.headers['x-tpx-event-id'])
  t.equal(ids.length, 24, 'every event sent')
  t.equal(new Set(ids).size, 24, 'none twice')

  receiver.answer = () => 'hang'
  await bed.gw.db.$transaction(tx => emitEvent(tx, bed.team.id, 'reconciliation.drift', { n: 'hang' }))
  const started = Date.now()
  await deliverDueWebhooks({ ...deps, timeoutMs: 300 })
  t.ok(Date.now() - started < 3000, `the attempt ended after ${Date.now() - started} ms`)
  const hung = await bed.gw.db.webhookDelivery.findFirstOrThrow({ where: { state: 'pending' } })
  t.match(hung, { attempts: 1, lastStatus: null, lastError: /timeout|abort/i })
})
