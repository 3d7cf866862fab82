import { Type, type Static } from 'typebox'
import { SCOPES } from '../../auth/scopes.ts'

export const MAX_GRACE_SECONDS = 30 * 86_400
export const DEFAULT_GRACE_SECONDS = 86_400

const Timestamp = Type.String({ format: 'date-time' })
const Limit = (description: string) => Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()], { description: `${description}; null: only the team's limit applies` })

export const KeyLimitsSchema = Type.Object({
  requestsPerMinute: Limit('requests per minute for this key (overrides the team\'s keyRequestsPerMinute)'),
  maxConcurrentJobs: Limit('active jobs at once for this key'),
  maxJobsPerDay: Limit('jobs created per UTC day by this key')
}, { additionalProperties: false })
const NullableTimestamp = Type.Union([Timestamp, Type.Null()])

export const KeySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  prefix: Type.String({ description: 'the public part of the key (tgw_<publicId>); never the secret' }),
  name: Type.String(),
  teamId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'null for a platform key' }),
  teamSlug: Type.Union([Type.String(), Type.Null()]),
  scopes: Type.Array(Type.String()),
  status: Type.Enum(['active', 'expired', 'revoked']),
  expiresAt: NullableTimestamp,
  revokedAt: NullableTimestamp,
  lastUsedAt: NullableTimestamp,
  previousSecretExpiresAt: Type.Union([Timestamp, Type.Null()], {
    description: 'after a rotation, when the previous secret stops working'
  }),
  limits: KeyLimitsSchema,
  createdAt: Timestamp,
  updatedAt: Timestamp
})
export type KeyView = Static<typeof KeySchema>

export const KeyWithSecretSchema = Type.Object({
  ...KeySchema.properties,
  key: Type.String({ description: 'the full key; shown this once, never stored' })
})
export type KeyWithSecret = Static<typeof KeyWithSecretSchema>

export const KeyCreateSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '^\\S(.*\\S)?$', description: 'unique per team' }),
  scopes: Type.Array(Type.Enum([...SCOPES]), { minItems: 1, uniqueItems: true }),
  expiresAt: Type.Optional(Type.Union([Timestamp, Type.Null()], { description: 'must be in the future; null: never' })),
  limits: Type.Optional(Type.Partial(KeyLimitsSchema, { additionalProperties: false }))
}, { additionalProperties: false })
export type KeyCreate = Static<typeof KeyCreateSchema>

export const KeyRotateSchema = Type.Object({
  graceSeconds: Type.Optional(Type.Integer({
    minimum: 0,
    maximum: MAX_GRACE_SECONDS,
    description: `how long the previous secret keeps working (default ${DEFAULT_GRACE_SECONDS}; 0: stops at once)`
  }))
}, { additionalProperties: false })
