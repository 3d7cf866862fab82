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

const Instant = (description: string) => Type.String({ format: 'date-time', description })

const BeliefSchema = Type.Object({
  value: Type.String({ description: 'failed: refunded | as_reported; cancelled: as_reported | gross' }),
  source: Type.Union([Type.Literal('assumed'), Type.Literal('configured'), Type.Literal('observed')]),
  observedAt: Instant('when it took this value (the epoch for a default never stored)'),
  evidence: Type.Unknown({ description: 'for an observed belief: the check, its drift and the corrections it posted' })
})

const AccountCheckSchema = Type.Object({
  id: Type.String(),
  checkedAt: Instant('when the check decided'),
  balance: Credits('the account\'s balance_usd'),
  ledgerNet: Credits('Σ charge − Σ refund of the whole ledger at the check'),
  outsideCost: Credits('Σ counted for jobs outside the gateway at the check'),
  topUps: Credits('Σ recorded top-ups up to the check'),
  intervalDrift: Credits('balance change + ledger change + outside change − top-up change since the previous check'),
  cumulativeDrift: Credits('Σ interval drift since the first check; 0 = the account is explained'),
  createsInFlight: Type.Integer({ description: 'pending and unknown creates (drift is transient while any)' }),
  listingComplete: Type.Boolean({ description: 'false when the job listing stopped at its page cap' }),
  alerted: Type.Boolean({ description: 'the drift episode was announced (reconciliation.account_drift)' })
})

export const AccountSectionSchema = Type.Object({
  semantics: Type.Object({ failed: BeliefSchema, cancelled: BeliefSchema }),
  latest: Type.Union([AccountCheckSchema, Type.Null()], { description: 'the most recent check, in range or not' }),
  checks: Type.Integer({ description: 'checks in the range' }),
  interval: Type.Union([Type.Object({
    balanceChange: Credits('last balance in range − the balance before the range'),
    ledgerChange: Credits('charges − refunds of the ledger over the range'),
    outsideChange: Credits('what jobs outside the gateway cost over the range'),
    topUpChange: Credits('top-ups over the range'),
    drift: Credits('balance change + ledger change + outside change − top-up change')
  }), Type.Null()], { description: 'the range as one interval, from the check before it to its last; null without' }),
  driftingChecks: Type.Array(AccountCheckSchema, {
    description: 'the checks in range with interval drift or an announced episode (at most 500, newest first)'
  }),
  outsideJobs: Type.Array(Type.Object({
    upstreamId: Type.Integer(),
    status: Type.Integer({ description: 'TensorPix status as last listed' }),
    costUsd: Credits('cost_usd as last listed'),
    counted: Credits('what the checks count for it (0 once a gateway record claimed it)'),
    firstSeenAt: Instant('first listed'),
    claimedAt: Type.Union([Instant('a reconciled gateway create took it'), Type.Null()])
  }), { description: 'jobs outside the gateway first seen in the range (at most 1000)' }),
  corrections: Type.Array(Type.Object({
    checkId: Type.String(),
    jobId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    upstreamId: Type.Union([Type.Integer(), Type.Null()]),
    kind: Type.Union([Type.Literal('charge'), Type.Literal('refund')]),
    amount: Credits('the ledger row (a gateway job) or the change of what an outside job counts'),
    reason: Type.String(),
    apportioned: Type.Boolean({
      description: 'one interval\'s refund shared between several gross cancels by cost: per-team exactness is not guaranteed'
    }),
    createdAt: Instant('when it was posted')
  }), { description: 'money the account checks moved in the range: observed semantics, gross-cancel refunds' }),
  topUps: Type.Array(Type.Object({
    id: Type.String({ format: 'uuid' }), amount: Credits('signed'), at: Instant('when it reached the account'), note: Type.String()
  }), { description: 'top-ups recorded for the range' })
}, { description: 'the master TensorPix account against the ledger (src/workers/account-check.ts)' })
export type AccountSection = Static<typeof AccountSectionSchema>

export const ReconciliationReportSchema = Type.Object({
  from: Day('jobs created from this day, inclusive'),
  to: Day('exclusive'),
  teams: Type.Array(Type.Object({
    team: Type.String(),
    ...Figures,
    jobs: Type.Array(DriftJobSchema, { description: 'only the jobs whose figures differ' })
  })),
  totals: Type.Object(Figures),
  driftJobs: Type.Integer({ description: 'how many jobs differ' }),
  account: AccountSectionSchema
})
export type ReconciliationReport = Static<typeof ReconciliationReportSchema>
