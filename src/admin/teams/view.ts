// Pure conversions between the stored team row and the API's team document. No I/O.
import type { Team } from '../../generated/prisma/client.ts'
import type { OptionPolicyDoc, UrlPolicyDoc } from '../../policy/team-policy.ts'
import { creditsOut } from '../credits.ts'
import type { TeamCreate, TeamDoc, TeamPatch, TeamView } from './schemas.ts'

export const DEFAULT_ALERT_THRESHOLDS = [50, 80, 100]

function policyObject<T> (value: unknown): T {
  return (value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {}) as T
}

export function teamView (row: Team): TeamView {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    disabled: row.disabled,
    budget: {
      credits: creditsOut(row.budgetCredits),
      period: row.budgetPeriod,
      mode: row.budgetMode,
      overdraft: creditsOut(row.overdraftCredits),
      alertThresholds: row.alertThresholds,
      maxJobCost: row.maxJobCost === null ? null : creditsOut(row.maxJobCost)
    },
    limits: {
      requestsPerMinute: row.requestsPerMinute,
      keyRequestsPerMinute: row.keyRequestsPerMinute,
      maxConcurrentJobs: row.maxConcurrentJobs,
      maxJobsPerDay: row.maxJobsPerDay,
      maxUploadBytes: row.maxUploadBytes === null ? null : Number(row.maxUploadBytes)
    },
    optionPolicy: policyObject<OptionPolicyDoc>(row.optionPolicy),
    urlPolicy: policyObject<UrlPolicyDoc>(row.urlPolicy),
    retentionDays: row.retentionDays,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString()
  }
}

const NO_LIMITS = {
  requestsPerMinute: null,
  keyRequestsPerMinute: null,
  maxConcurrentJobs: null,
  maxJobsPerDay: null,
  maxUploadBytes: null
}

export function docFromCreate (input: TeamCreate): TeamDoc {
  return {
    name: input.name,
    budget: {
      credits: input.budget.credits,
      period: input.budget.period,
      mode: input.budget.mode,
      overdraft: input.budget.overdraft ?? '0',
      alertThresholds: input.budget.alertThresholds ?? DEFAULT_ALERT_THRESHOLDS,
      maxJobCost: input.budget.maxJobCost ?? null
    },
    limits: { ...NO_LIMITS, ...input.limits },
    optionPolicy: input.optionPolicy ?? {},
    urlPolicy: input.urlPolicy ?? {},
    retentionDays: input.retentionDays ?? null
  }
}

/** The team after a PATCH: budget and limits merge field by field, policy documents are replaced whole. */
export function applyPatch (current: TeamDoc, patch: TeamPatch): TeamDoc {
  return {
    name: patch.name ?? current.name,
    budget: { ...current.budget, ...patch.budget },
    limits: { ...current.limits, ...patch.limits },
    optionPolicy: patch.optionPolicy ?? current.optionPolicy,
    urlPolicy: patch.urlPolicy ?? current.urlPolicy,
    retentionDays: patch.retentionDays === undefined ? current.retentionDays : patch.retentionDays
  }
}

/** Column values for a team document; money stays a decimal string all the way to NUMERIC. */
export function teamColumns (doc: TeamDoc) {
  return {
    name: doc.name,
    budgetCredits: doc.budget.credits,
    budgetPeriod: doc.budget.period,
    budgetMode: doc.budget.mode,
    overdraftCredits: doc.budget.overdraft,
    // ascending, so alerting can walk them in order
    alertThresholds: [...doc.budget.alertThresholds].sort((a, b) => a - b),
    maxJobCost: doc.budget.maxJobCost,
    requestsPerMinute: doc.limits.requestsPerMinute,
    keyRequestsPerMinute: doc.limits.keyRequestsPerMinute,
    maxConcurrentJobs: doc.limits.maxConcurrentJobs,
    maxJobsPerDay: doc.limits.maxJobsPerDay,
    maxUploadBytes: doc.limits.maxUploadBytes === null ? null : BigInt(doc.limits.maxUploadBytes),
    optionPolicy: doc.optionPolicy,
    urlPolicy: doc.urlPolicy,
    retentionDays: doc.retentionDays
  }
}
