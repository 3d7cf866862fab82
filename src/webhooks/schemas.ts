// Webhook endpoints and deliveries as the admin API shows and accepts them. Written once: validation, static types
// and OpenAPI.
import { Type, type Static } from 'typebox'
import { MAX_OUTBOUND_URL_LENGTH } from '../net/outbound.ts'
import { WEBHOOK_EVENT_TYPES } from './events.ts'

const Timestamp = Type.String({ format: 'date-time' })
const Url = Type.String({
  minLength: 1,
  maxLength: MAX_OUTBOUND_URL_LENGTH,
  description: 'https URL receiving the events (http only to a loopback host with OUTBOUND_ALLOW_LOOPBACK)'
})
const Events = Type.Array(Type.Enum([...WEBHOOK_EVENT_TYPES]), {
  uniqueItems: true, description: 'event types sent to this endpoint; empty: all of them'
})
const Description = Type.String({ maxLength: 500 })

export const WebhookSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  teamSlug: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.String(),
  disabled: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp
})
export type WebhookView = Static<typeof WebhookSchema>

export const WebhookWithSecretSchema = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({ description: 'the signing secret (HMAC-SHA-256); shown this once' })
})
export type WebhookWithSecret = Static<typeof WebhookWithSecretSchema>

export const WebhookCreateSchema = Type.Object({
  url: Url,
  events: Type.Optional(Events),
  description: Type.Optional(Description)
}, { additionalProperties: false })
export type WebhookCreate = Static<typeof WebhookCreateSchema>

export const WebhookPatchSchema = Type.Object({
  url: Type.Optional(Url),
  events: Type.Optional(Events),
  description: Type.Optional(Description),
  disabled: Type.Optional(Type.Boolean({ description: 'a disabled endpoint gets no new events; its queued ones fail' }))
}, { additionalProperties: false, minProperties: 1 })
export type WebhookPatch = Static<typeof WebhookPatchSchema>

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const

export const DeliverySchema = Type.Object({
  id: Type.String({ description: 'delivery id' }),
  eventId: Type.String({ format: 'uuid', description: 'x-tpx-event-id; shared by every endpoint that got the event' }),
  eventType: Type.String(),
  state: Type.Enum([...DELIVERY_STATES]),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()], { description: 'when a pending delivery is tried next' }),
  lastStatus: Type.Union([Type.Integer(), Type.Null()], { description: "the receiver's last HTTP status" }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  deliveredAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  payload: Type.Unknown({ description: 'the event as sent' })
})
export type DeliveryView = Static<typeof DeliverySchema>

export const DeliveryQuerySchema = Type.Object({
  state: Type.Optional(Type.Enum([...DELIVERY_STATES]))
})
export type DeliveryQuery = Static<typeof DeliveryQuerySchema>
