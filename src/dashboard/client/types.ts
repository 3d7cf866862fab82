// What the dashboard reads: the admin API's own schemas (types only, erased from the bundle) and the reports
// contract.
import type { AuditEventView } from '../../control/audit-schemas.ts'
import type { JobDetailView, JobView } from '../../control/job-schemas.ts'
import type { KeyView, KeyWithSecret } from '../../control/key-schemas.ts'
import type { TeamView } from '../../control/team-schemas.ts'
import type { UsageView } from '../../control/usage-schemas.ts'

export type { AuditEventView, JobDetailView, JobView, KeyView, KeyWithSecret, TeamView, UsageView }

export interface Page<T> { items: T[], nextCursor: string | null }

export interface Whoami { keyId: string, name: string, prefix: string, scopes: string[], canManage: boolean }

export interface Money {
  charged: string
  refunded: string
  net: string
  jobsCreated: number
  jobsFinished: number
  jobsFailed: number
  jobsCancelled: number
}

export const DIMENSIONS = ['team', 'key', 'model', 'day', 'month'] as const
export type Dimension = typeof DIMENSIONS[number]

export type SpendRow = Money & {
  team?: string
  teamName?: string
  keyId?: string
  keyName?: string
  keyPrefix?: string
  modelId?: number
  modelName?: string
  day?: string
  month?: string
}

export interface SpendReport { from: string, to: string, groupBy: Dimension[], rows: SpendRow[], totals: Money }

export interface TeamBudget {
  team: string
  teamName: string
  period: string
  periodStart: string
  periodEnd: string
  mode: string
  budget: string
  overdraft?: string
  charged: string
  held: string
  remaining: string
  percentUsed: string
  burnPerDay: string
  exhaustsOn: string | null
}

export interface BudgetsReport { at: string, teams: TeamBudget[] }
