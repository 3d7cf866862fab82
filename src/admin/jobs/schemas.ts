// Jobs as the admin API shows them: search results across teams and one job with its timeline. Written once:
// validation, static types and OpenAPI.
import { Type, type Static } from 'typebox'
import { SLUG_PATTERN } from '../teams/schemas.ts'

export const JOB_STATES = [
  'pending', 'unknown', 'queued', 'processing', 'vanished', 'finished', 'failed', 'cancelled', 'rejected'
] as const

const Timestamp = Type.String({ format: 'date-time' })
const NullableTimestamp = Type.Union([Timestamp, Type.Null()])
const Credits = (description: string) => Type.String({ description, examples: ['1.2500'] })

export const JobSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'gateway job id' }),
  teamSlug: Type.String(),
  teamName: Type.String(),
  keyId: Type.String({ format: 'uuid' }),
  keyName: Type.String(),
  keyPrefix: Type.String({ description: 'display prefix of the key that created the job' }),
  upstreamId: Type.Union([Type.Integer(), Type.Null()], { description: 'TensorPix job id; null until TensorPix answered' }),
  source: Type.String({ description: 'from-url or upload' }),
  state: Type.Enum([...JOB_STATES]),
  preview: Type.Boolean(),
  mlModels: Type.Array(Type.Integer()),
  estimatedCost: Credits('credits held while the create was in flight'),
  actualCost: Type.Union([Credits('credits charged'), Type.Null()]),
  refundedCost: Credits('credits refunded'),
  netCost: Credits('charged net of refunds'),
  progress: Type.Union([Type.Number(), Type.Null()], { description: 'last known processing progress, 0 to 1' }),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  submittedAt: NullableTimestamp,
  lastSyncedAt: NullableTimestamp,
  finishedAt: NullableTimestamp,
  overBudgetCancel: Type.Union([Type.Object({
    state: Type.Enum(['pending', 'confirmed', 'overtaken', 'abandoned'], {
      description: 'pending: retried until TensorPix confirms; confirmed: TensorPix stopped the job; ' +
        'overtaken: the job finished or failed before a cancel landed; abandoned: TensorPix refused the cancel ' +
        'too often and it was given up (error says why; the job is still synced and charged)'
    }),
    attempts: Type.Integer({ description: 'DELETEs tried so far' }),
    nextAttemptAt: NullableTimestamp,
    lastError: Type.Union([Type.String(), Type.Null()], { description: 'why the last try was not confirmed' }),
    overspent: Type.Union([Credits('once the job ended: how far it took the team past its hard budget (at most what TensorPix kept of it)'), Type.Null()])
  }), Type.Null()], { description: 'the cancel of a job whose actual cost broke a hard budget; null for any other job' })
})
export type JobView = Static<typeof JobSchema>

export const TIMELINE_KINDS = [
  'created', 'hold', 'submitted', 'release', 'charge', 'refund', 'adjust', 'status', 'finished', 'failed', 'cancelled', 'rejected'
] as const
export type TimelineKind = typeof TIMELINE_KINDS[number]

export const TimelineEventSchema = Type.Object({
  at: Timestamp,
  kind: Type.Enum([...TIMELINE_KINDS]),
  description: Type.String(),
  amount: Type.Union([Credits('credits this ledger row moved'), Type.Null()]),
  ledgerId: Type.Union([Type.String(), Type.Null()], { description: 'the ledger row behind a money event' })
})
export type TimelineEvent = Static<typeof TimelineEventSchema>

export const JobDetailSchema = Type.Object({
  ...JobSchema.properties,
  timeline: Type.Array(TimelineEventSchema, {
    description: 'in the order it happened, with the times the gateway recorded: creation, hold, submission, ' +
      'settlement, status, every later ledger row'
  })
})
export type JobDetailView = Static<typeof JobDetailSchema>

export const JobQuerySchema = Type.Object({
  team: Type.Optional(Type.String({ pattern: SLUG_PATTERN, description: 'team slug' })),
  key: Type.Optional(Type.String({ format: 'uuid', description: 'id of the key that created the job' })),
  state: Type.Optional(Type.Enum([...JOB_STATES])),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'created at or after (inclusive)' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'created before (exclusive)' }))
})
export type JobQuery = Static<typeof JobQuerySchema>
