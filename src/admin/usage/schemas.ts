import { Type, type Static } from 'typebox'
import { SIGNED_CREDITS_PATTERN } from '../credits.ts'

const Credits = (description: string) => Type.String({ description, examples: ['12.5000'] })
const Day = Type.String({ format: 'date', description: 'UTC date' })

export const KeyUsageSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  prefix: Type.String(),
  name: Type.String(),
  charged: Credits('charged in the current period'),
  held: Credits('held for active jobs in the current period'),
  jobsToday: Type.Integer(),
  activeJobs: Type.Integer()
})

export const UsageSchema = Type.Object({
  team: Type.String({ description: 'team slug' }),
  period: Type.Object({
    kind: Type.Enum(['day', 'week', 'month']),
    start: Day,
    end: Type.String({ format: 'date', description: 'first UTC date of the next period' })
  }),
  budget: Type.Object({ credits: Credits('credits per period'), overdraft: Credits('overdraft'), mode: Type.Enum(['hard', 'soft']) }),
  charged: Credits('charges net of refunds'),
  held: Credits('holds of jobs not yet settled'),
  adjusted: Credits('net of budget adjustments (positive grants credits)'),
  remaining: Credits('credits + adjusted - charged - held; negative when overspent'),
  jobsToday: Type.Integer({ description: 'jobs created since 00:00 UTC' }),
  activeJobs: Type.Integer({ description: 'jobs pending, unknown, queued or processing' }),
  keys: Type.Array(KeyUsageSchema, { description: 'per key; keys that are revoked and idle are left out' })
})
export type UsageView = Static<typeof UsageSchema>
export type KeyUsageView = Static<typeof KeyUsageSchema>

export const AdjustmentCreateSchema = Type.Object({
  amount: Type.String({
    pattern: SIGNED_CREDITS_PATTERN,
    description: 'signed decimal string, up to 4 places: positive grants credits, negative takes them away',
    examples: ['250.0000', '-10.5']
  }),
  reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S', description: 'why; kept in the ledger and audit log' })
}, { additionalProperties: false })
export type AdjustmentCreate = Static<typeof AdjustmentCreateSchema>

export const AdjustmentSchema = Type.Object({
  id: Type.String({ description: 'ledger entry id' }),
  team: Type.String(),
  amount: Credits('signed amount'),
  reason: Type.String(),
  periodStart: Day,
  actorKeyId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  adjusted: Credits('net adjustments of the period after this one'),
  remaining: Credits('remaining credits of the period after this one')
})
export type AdjustmentView = Static<typeof AdjustmentSchema>
