// The finance reports' contract (GET /admin/v1/reports/…), written once for validation, types and OpenAPI.
import { Type, type Static } from 'typebox'
import { SLUG_PATTERN } from '../admin/teams/schemas.ts'
import { DIMENSIONS } from './group-by.ts'

const Credits = (description: string) => Type.String({ description, examples: ['12.3400'] })
const Day = (description: string) => Type.String({ format: 'date', description })
const DAY_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$'
const QueryDay = (description: string) => Type.Optional(Type.String({ pattern: DAY_PATTERN, description }))

const RangeFields = {
  from: QueryDay('first UTC day, inclusive (default: the first day of the current month)'),
  to: QueryDay('UTC day after the last, exclusive (default: tomorrow)')
}

export const SpendQuerySchema = Type.Object({
  ...RangeFields,
  group_by: Type.Optional(Type.String({
    pattern: '^[a-z]+(,[a-z]+)?$',
    description: `one dimension or two, comma-separated, of ${DIMENSIONS.join(', ')} (default team)`,
    examples: ['team', 'day,team']
  })),
  team: Type.Optional(Type.String({ pattern: SLUG_PATTERN, description: 'only this team (slug)' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], {
    description: 'csv streams RFC 4180 CSV (as does Accept: text/csv)'
  }))
}, { additionalProperties: false })
export type SpendQuery = Static<typeof SpendQuerySchema>

const MoneyFields = {
  charged: Credits('Σ charges'),
  refunded: Credits('Σ refunds'),
  net: Credits('charged − refunded'),
  jobsCreated: Type.Integer({ description: 'jobs TensorPix accepted' }),
  jobsFinished: Type.Integer(),
  jobsFailed: Type.Integer(),
  jobsCancelled: Type.Integer()
}
export const MoneySchema = Type.Object(MoneyFields)
export type Money = Static<typeof MoneySchema>

export const SpendRowSchema = Type.Object({
  team: Type.Optional(Type.String({ description: 'team slug' })),
  teamName: Type.Optional(Type.String()),
  keyId: Type.Optional(Type.String({ format: 'uuid' })),
  keyName: Type.Optional(Type.String()),
  keyPrefix: Type.Optional(Type.String()),
  modelId: Type.Optional(Type.Integer({ description: 'ML model id; 0 for jobs without ML models' })),
  modelName: Type.Optional(Type.String()),
  day: Type.Optional(Day('UTC day')),
  month: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'UTC month YYYY-MM' })),
  ...MoneyFields
})
export type SpendRow = Static<typeof SpendRowSchema>

export const SpendReportSchema = Type.Object({
  from: Day('inclusive'),
  to: Day('exclusive'),
  groupBy: Type.Array(Type.String()),
  rows: Type.Array(SpendRowSchema),
  totals: Type.Object(MoneyFields, { description: 'the whole range; job counts count each job once, even grouped by model' })
})
export type SpendReport = Static<typeof SpendReportSchema>

export const BudgetsQuerySchema = Type.Object({
  at: QueryDay('a UTC day inside the periods to report (default today)')
}, { additionalProperties: false })

export const TeamBudgetSchema = Type.Object({
  team: Type.String(),
  teamName: Type.String(),
  period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
  periodStart: Day('first day of the period'),
  periodEnd: Day('first day of the next period'),
  mode: Type.Union([Type.Literal('hard'), Type.Literal('soft')]),
  budget: Credits('credits per period + adjustments of this period'),
  overdraft: Credits('extra room a hard budget allows below zero (not in budget)'),
  charged: Credits('charges net of refunds'),
  held: Credits('holds of jobs not yet settled'),
  remaining: Credits('budget − charged − held; negative when overspent'),
  percentUsed: Type.String({ description: '(charged + held) / budget × 100, 2 decimals', examples: ['42.50'] }),
  burnPerDay: Credits('charged / days of the period up to and including at'),
  exhaustsOn: Type.Union([Day('the day remaining reaches zero at burnPerDay'), Type.Null()], {
    description: 'null when nothing burns or the period ends first; at itself when nothing remains'
  })
})
export type TeamBudget = Static<typeof TeamBudgetSchema>

export const BudgetsReportSchema = Type.Object({ at: Day('the day reported'), teams: Type.Array(TeamBudgetSchema) })
export type BudgetsReport = Static<typeof BudgetsReportSchema>

export const ReconciliationQuerySchema = Type.Object(RangeFields, { additionalProperties: false })

const Figures = {
  ledgerNet: Credits('Σ charge − Σ refund in the ledger'),
  upstreamCost: Credits('what TensorPix\'s figures imply the jobs cost'),
  drift: Credits('ledgerNet − upstreamCost')
}

export const DriftJobSchema = Type.Object({
  jobId: Type.String({ format: 'uuid' }),
  upstreamId: Type.Union([Type.Integer(), Type.Null()]),
  state: Type.String(),
  ...Figures
})
export type DriftJob = Static<typeof DriftJobSchema>

export const ReconciliationReportSchema = Type.Object({
  from: Day('jobs created from this day, inclusive'),
  to: Day('exclusive'),
  teams: Type.Array(Type.Object({
    team: Type.String(),
    ...Figures,
    jobs: Type.Array(DriftJobSchema, { description: 'only the jobs whose figures differ' })
  })),
  totals: Type.Object(Figures),
  driftJobs: Type.Integer({ description: 'how many jobs differ' })
})
export type ReconciliationReport = Static<typeof ReconciliationReportSchema>
