// Webhook events and the outbox. emitEvent runs inside the transaction of the change that causes the event and
// writes one webhook_deliveries row per endpoint of the team that wants it: the event commits with the change or
// not at all, and the delivery worker sends it later, off the request path.
//
// Every event is JSON of the shape
//   { id: <uuid, shared by every endpoint that gets it>, type, createdAt: <ISO 8601 UTC>, team: { slug }, data }
// with `data` per type (see README, "Webhooks and alerts").
import { randomUUID } from 'node:crypto'
import type { Prisma } from '../db/client.ts'

export const WEBHOOK_EVENT_TYPES = [
  'job.finished',
  'job.failed',
  'job.cancelled',
  'budget.threshold',
  'budget.exhausted',
  'reconciliation.drift',
  'reconciliation.account_drift',
  'reconciliation.semantics_observed'
] as const
export type WebhookEventType = typeof WEBHOOK_EVENT_TYPES[number]

/**
 * Events about the master account, which every team shares: they are sent only to endpoints that name the type in
 * their filter (an operator's), never to an "all types" endpoint, so no team learns of the account by default.
 */
export const ACCOUNT_EVENT_TYPES: readonly WebhookEventType[] = [
  'reconciliation.account_drift', 'reconciliation.semantics_observed'
]

export interface WebhookEvent {
  id: string
  type: WebhookEventType
  createdAt: string
  team: { slug: string }
  data: Record<string, unknown>
}

/**
 * Queues an event for every enabled endpoint of the team that subscribes to its type (an empty filter means all
 * types). Returns the event id, or null when no endpoint wants it (then nothing is written).
 */
export async function emitEvent (
  tx: Prisma.TransactionClient,
  teamId: string,
  type: WebhookEventType,
  data: Record<string, unknown>
): Promise<string | null> {
  // events is a nullable TEXT[]: NULL, like {}, means every type. KEY SHARE: an endpoint deleted meanwhile would
  // otherwise fail the delivery rows' foreign key, and with it the change that raised the event
  const endpoints = await tx.$queryRaw<Array<{ id: string, slug: string }>>`
    SELECT e.id::text, t.slug FROM webhook_endpoints e JOIN teams t ON t.id = e.team_id
    WHERE e.team_id = ${teamId}::uuid AND NOT e.disabled
      AND (e.events IS NULL OR cardinality(e.events) = 0 OR ${type} = ANY(e.events))
    FOR KEY SHARE OF e`
  return queueEvent(tx, teamId, type, endpoints, data)
}

/**
 * Queues an account event (ACCOUNT_EVENT_TYPES) for every enabled endpoint, of any team, whose filter names its
 * type. Returns how many teams got it.
 */
export async function emitAccountEvent (
  tx: Prisma.TransactionClient,
  type: WebhookEventType,
  data: Record<string, unknown>
): Promise<number> {
  const endpoints = await tx.$queryRaw<Array<{ id: string, slug: string, teamId: string }>>`
    SELECT e.id::text, t.slug, t.id::text AS "teamId" FROM webhook_endpoints e JOIN teams t ON t.id = e.team_id
    WHERE NOT e.disabled AND ${type} = ANY(e.events)
    FOR KEY SHARE OF e`
  const teams = new Map<string, Array<{ id: string, slug: string }>>()
  for (const endpoint of endpoints) teams.set(endpoint.teamId, [...teams.get(endpoint.teamId) ?? [], endpoint])
  for (const [teamId, ofTeam] of teams) await queueEvent(tx, teamId, type, ofTeam, data)
  return teams.size
}

async function queueEvent (
  tx: Prisma.TransactionClient,
  teamId: string,
  type: WebhookEventType,
  endpoints: Array<{ id: string, slug: string }>,
  data: Record<string, unknown>
): Promise<string | null> {
  const slug = endpoints[0]?.slug
  if (slug === undefined) return null
  const event: WebhookEvent = { id: randomUUID(), type, createdAt: new Date().toISOString(), team: { slug }, data }
  await tx.webhookDelivery.createMany({
    data: endpoints.map(endpoint => ({
      endpointId: endpoint.id,
      teamId,
      eventId: event.id,
      eventType: type,
      payload: event as unknown as Prisma.InputJsonValue
    }))
  })
  return event.id
}

/**
 * The exact bytes sent (and signed): the envelope's keys in their documented order. The payload comes back from
 * JSONB, which does not keep key order, so it is laid out again here; every retry sends the same bytes.
 */
export function eventBody (payload: unknown): string {
  const event = payload as WebhookEvent
  return JSON.stringify({
    id: event.id, type: event.type, createdAt: event.createdAt, team: event.team, data: event.data
  })
}
