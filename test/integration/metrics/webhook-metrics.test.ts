// The webhook delivery figures: the outbox backlog and its lag, read from the database at the scrape, and the
// attempts this process sent by what became of the delivery.
import pino from 'pino'
import t from 'tap'
import { outboundAgent, type OutboundPolicy } from '../../../src/net/outbound.ts'
import { emitEvent } from '../../../src/webhooks/events.ts'
import { deliverDueWebhooks, type DeliveryDeps } from '../../../src/workers/deliver-webhooks.ts'
import { dataPlaneBed } from '../../helpers/data-plane-bed.ts'
import { makeKey } from '../../helpers/factories.ts'
import { client } from '../../helpers/http.ts'
import { metricValue, parseMetrics } from '../../helpers/prometheus.ts'
import { startReceiver } from '../../helpers/webhook-receiver.ts'

const LOOPBACK: OutboundPolicy = { allowLoopback: true, allowPrivate: false }

t.test('backlog, lag and attempts by result', async t => {
  const bed = await dataPlaneBed(t, { env: { OUTBOUND_ALLOW_LOOPBACK: 'true' } })
  const receiver = await startReceiver(t)
  const admin = client(bed.gw.app, (await makeKey(bed.gw.db, { scopes: ['admin'] })).key, 'Bearer')
  const registered = await admin.post(`/admin/v1/teams/${bed.team.slug}/webhooks`, { json: { url: receiver.url('/hook') } })
  t.equal(registered.status, 201)
  const agent = outboundAgent(LOOPBACK, { timeoutMs: 2000 })
  t.teardown(() => agent.close())
  const deps: DeliveryDeps = {
    db: bed.gw.db, log: pino({ level: 'silent' }), agent, policy: LOOPBACK, timeoutMs: 2000, options: { maxAttempts: 2, retryBaseMs: 1 }
  }
  const scrape = async () => parseMetrics(await bed.gw.app.metrics.scrape())
  const attempts = (samples: Awaited<ReturnType<typeof scrape>>, result: string) =>
    metricValue(samples, 'tpx_webhook_attempts_total', { result })

  const before = await scrape()
  t.equal(metricValue(before, 'tpx_webhook_deliveries_pending'), 0, 'an empty outbox')
  t.equal(metricValue(before, 'tpx_webhook_delivery_lag_seconds'), 0)

  await bed.gw.db.$transaction(tx => emitEvent(tx, bed.team.id, 'reconciliation.drift', { n: 1 }))
  await bed.gw.db.$transaction(tx => emitEvent(tx, bed.team.id, 'reconciliation.drift', { n: 2 }))
  await bed.gw.db.$executeRaw`UPDATE webhook_deliveries SET next_attempt_at = now() - interval '30 seconds'`
  const queued = await scrape()
  t.equal(metricValue(queued, 'tpx_webhook_deliveries_pending'), 2, 'two deliveries wait')
  const lag = metricValue(queued, 'tpx_webhook_delivery_lag_seconds')
  t.ok(lag >= 30 && lag < 60, `the oldest has waited ${lag} s past its due attempt`)

  receiver.answer = () => ({ status: 503 })
  await deliverDueWebhooks(deps)
  const retried = await scrape()
  t.equal(attempts(retried, 'retry') - attempts(before, 'retry'), 2, 'both failed once and wait for a retry')
  t.equal(metricValue(retried, 'tpx_webhook_deliveries_pending'), 2, 'still in the backlog')

  receiver.answer = request => ({ status: String(request.body).includes('"n":1') ? 200 : 503 })
  await bed.gw.db.$executeRaw`UPDATE webhook_deliveries SET next_attempt_at = now()`
  await deliverDueWebhooks(deps)
  const after = await scrape()
  t.equal(attempts(after, 'delivered') - attempts(before, 'delivered'), 1, 'one delivered on its second attempt')
  t.equal(attempts(after, 'failed') - attempts(before, 'failed'), 1, 'the other given up after its last')
  t.equal(metricValue(after, 'tpx_webhook_deliveries_pending'), 0, 'the backlog is empty')
  t.equal(metricValue(after, 'tpx_webhook_delivery_lag_seconds'), 0)
})
