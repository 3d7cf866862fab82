// The master account's top-ups (POST|GET /admin/v1/account/top-ups): changes of the TensorPix balance made outside
// the gateway (a purchase in the web app's Billing page, a credit from TensorPix), recorded so the account check
// can explain them.
import { Type, type Static } from 'typebox'
import { SIGNED_CREDITS_PATTERN } from '../credits.ts'

export const TopUpCreateSchema = Type.Object({
  amount: Type.String({
    pattern: SIGNED_CREDITS_PATTERN,
    description: 'signed decimal string, up to 4 places: what the balance gained (negative: lost), not zero',
    examples: ['500.0000']
  }),
  at: Type.Optional(Type.String({
    format: 'date-time', description: 'when the balance changed (ISO 8601; default now); the checks count it from then'
  })),
  note: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S', description: 'what it was, e.g. an invoice number' })
}, { additionalProperties: false })
export type TopUpCreate = Static<typeof TopUpCreateSchema>

export const TopUpSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  amount: Type.String({ description: 'signed amount', examples: ['500.0000'] }),
  at: Type.String({ format: 'date-time' }),
  note: Type.String(),
  actorKeyId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' })
})
export type TopUpView = Static<typeof TopUpSchema>

export const TopUpListSchema = Type.Object({ topUps: Type.Array(TopUpSchema, { description: 'newest first, at most 500' }) })
export type TopUpList = Static<typeof TopUpListSchema>
