// The webhook delivery worker: claims due pending deliveries (FOR UPDATE SKIP LOCKED, leased by moving
// next_attempt_at past the attempt's time limit, so replicas never send one row at once and a row whose worker
// died is sent again), POSTs each one, and records the attempt. Delivery is at least once: receivers deduplicate
// by x-tpx-event-id.
import type { WorkerLog } from './deps.ts'
import type { Db } from '../db/client.ts'
import { countWebhookAttempt } from '../metrics/registry.ts'
import { eventBody } from '../webhooks/events.ts'
import { outcomeAfter, retryDelayMs } from '../webhooks/retry.ts'
import { sendAttempt, type AttemptResult, type SendDeps } from '../webhooks/send.ts'

export interface DeliveryOptions { maxAttempts: number, retryBaseMs: number }

export interface DeliveryDeps extends SendDeps { db: Db, log: WorkerLog, options: DeliveryOptions }

const BATCH = 16

interface Claimed {
  id: bigint
  endpointId: string
  eventId: string
  eventType: string
  payload: unknown
  attempts: number
}

async function claimDue (deps: DeliveryDeps): Promise<Claimed[]> {
  const leaseSeconds = Math.ceil(deps.timeoutMs / 1000) + 30
  return deps.db.$queryRaw<Claimed[]>`
    UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => ${leaseSeconds})
    WHERE id IN (
      SELECT id FROM webhook_deliveries
      WHERE state = 'pending' AND next_attempt_at <= now()
      ORDER BY next_attempt_at
      LIMIT ${BATCH}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, endpoint_id::text AS "endpointId", event_id::text AS "eventId", event_type AS "eventType", payload, attempts`
}

async function record (deps: DeliveryDeps, row: Claimed, result: AttemptResult) {
  const attempts = row.attempts + 1
  const state = outcomeAfter(attempts, deps.options.maxAttempts, result.ok)
  const now = new Date()
  await deps.db.webhookDelivery.updateMany({
    where: { id: row.id, state: 'pending' },
    data: {
      state,
      attempts,
      lastStatus: result.status,
      lastError: result.error,
      deliveredAt: state === 'delivered' ? now : null,
      nextAttemptAt: state === 'pending' ? new Date(now.getTime() + retryDelayMs(attempts, deps.options.retryBaseMs)) : now
    }
  })
  countWebhookAttempt(state === 'pending' ? 'retry' : state)
  if (state === 'failed') deps.log.warn({ deliveryId: row.id.toString(), eventType: row.eventType, error: result.error }, 'webhook delivery gave up')
}

async function deliver (
  deps: DeliveryDeps,
  row: Claimed,
  endpoint: { url: string, secret: string, disabled: boolean } | undefined
) {
  // an endpoint disabled after the event was queued gets nothing more; its log says why
  if (!endpoint || endpoint.disabled) {
    await deps.db.webhookDelivery.updateMany({ where: { id: row.id, state: 'pending' }, data: { state: 'failed', lastError: 'endpoint disabled' } })
    return
  }
  const result = await sendAttempt(deps, {
    url: endpoint.url,
    secret: endpoint.secret,
    eventId: row.eventId,
    eventType: row.eventType,
    body: eventBody(row.payload),
    attempt: row.attempts + 1,
    at: new Date()
  })
  await record(deps, row, result)
}

/** One pass: claims due deliveries and attempts each. Returns how many were claimed. */
export async function deliverDueWebhooks (deps: DeliveryDeps): Promise<number> {
  const rows = await claimDue(deps)
  if (rows.length === 0) return 0
  const endpoints = await deps.db.webhookEndpoint.findMany({
    where: { id: { in: [...new Set(rows.map(r => r.endpointId))] } },
    select: { id: true, url: true, secret: true, disabled: true }
  })
  const byId = new Map(endpoints.map(e => [e.id, e]))
  await Promise.all(rows.map(row => deliver(deps, row, byId.get(row.endpointId))
    .catch(err => deps.log.warn({ err, deliveryId: row.id.toString() }, 'webhook delivery failed; retrying after the lease'))))
  return rows.length
}
