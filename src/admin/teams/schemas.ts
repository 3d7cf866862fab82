// The team as the admin API shows and accepts it. Written once: validation, static types and OpenAPI.
import { Type, type Static } from 'typebox'
import { OptionPolicySchema, UrlPolicySchema } from '../../policy/team-policy.ts'
import { CREDITS_PATTERN } from '../credits.ts'

export const SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'

const Credits = (description: string) => Type.String({ pattern: CREDITS_PATTERN, description, examples: ['100.0000'] })
const Limit = (description: string) => Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: `${description} (null: unlimited)` })
const Timestamp = Type.String({ format: 'date-time' })

const BudgetFields = {
  credits: Credits('credits per period, a decimal string with up to 4 places'),
  period: Type.Enum(['day', 'week', 'month'], { description: 'UTC calendar period' }),
  mode: Type.Enum(['hard', 'soft'], { description: 'hard: refuse jobs past the budget; soft: allow and alert' }),
  overdraft: Credits('extra credits a hard budget may go below zero'),
  alertThresholds: Type.Array(Type.Integer({ minimum: 1, maximum: 100 }), {
    uniqueItems: true, maxItems: 10, description: 'percentages of the budget that raise an alert'
  }),
  maxJobCost: Type.Union([Credits('largest hold of one job whose cost cannot be derived'), Type.Null()])
}

const LimitFields = {
  requestsPerMinute: Limit('requests per minute for the whole team'),
  keyRequestsPerMinute: Limit('requests per minute for each key'),
  maxConcurrentJobs: Limit('active jobs at once'),
  maxJobsPerDay: Limit('jobs created per UTC day'),
  maxUploadBytes: Type.Union([Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()], {
    description: 'largest upload (POST /api/videos/) in bytes (null: the gateway\'s MAX_UPLOAD_BYTES)'
  })
}

const RetentionDays = Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
  description: 'days after which enhanced videos are deleted upstream (null: never)'
})
const Name = Type.String({ minLength: 1, maxLength: 200 })

export const BudgetSchema = Type.Object(BudgetFields, { additionalProperties: false })
export const LimitsSchema = Type.Object(LimitFields, { additionalProperties: false })

export const TeamSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String(),
  name: Type.String(),
  disabled: Type.Boolean(),
  budget: BudgetSchema,
  limits: LimitsSchema,
  optionPolicy: OptionPolicySchema,
  urlPolicy: UrlPolicySchema,
  retentionDays: RetentionDays,
  createdAt: Timestamp,
  updatedAt: Timestamp
})
export type TeamView = Static<typeof TeamSchema>

/** The editable part of a team: what create fills in and update changes. */
export type TeamDoc = Pick<TeamView, 'name' | 'budget' | 'limits' | 'optionPolicy' | 'urlPolicy' | 'retentionDays'>

export const TeamCreateSchema = Type.Object({
  slug: Type.String({ pattern: SLUG_PATTERN, description: 'lowercase letters, digits and dashes; used in paths' }),
  name: Name,
  budget: Type.Object({
    credits: BudgetFields.credits,
    period: BudgetFields.period,
    mode: BudgetFields.mode,
    overdraft: Type.Optional(BudgetFields.overdraft),
    alertThresholds: Type.Optional(BudgetFields.alertThresholds),
    maxJobCost: Type.Optional(BudgetFields.maxJobCost)
  }, { additionalProperties: false }),
  limits: Type.Optional(Type.Partial(LimitsSchema, { additionalProperties: false })),
  optionPolicy: Type.Optional(OptionPolicySchema),
  urlPolicy: Type.Optional(UrlPolicySchema),
  retentionDays: Type.Optional(RetentionDays)
}, { additionalProperties: false })
export type TeamCreate = Static<typeof TeamCreateSchema>

export const TeamPatchSchema = Type.Object({
  name: Type.Optional(Name),
  budget: Type.Optional(Type.Partial(BudgetSchema, { additionalProperties: false })),
  limits: Type.Optional(Type.Partial(LimitsSchema, { additionalProperties: false })),
  optionPolicy: Type.Optional(OptionPolicySchema),
  urlPolicy: Type.Optional(UrlPolicySchema),
  retentionDays: Type.Optional(RetentionDays)
}, {
  additionalProperties: false,
  minProperties: 1,
  description: 'budget and limits are merged field by field; optionPolicy and urlPolicy replace the whole document'
})
export type TeamPatch = Static<typeof TeamPatchSchema>
