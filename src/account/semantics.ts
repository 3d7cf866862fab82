// What a terminal `cost_usd` means for the account, which TensorPix does not document (API.md §10): whether a
// failed job is refunded, and whether a cancelled job's cost_usd is already net of its refund. The gateway holds a
// belief about each (account_semantics), charges teams by it, and the account check replaces it when the balance
// shows another one (src/workers/account-check.ts). Everything here is pure.
import { Decimal } from 'decimal.js'

/** A failed job: 'refunded' = the team pays nothing; 'as_reported' = the team pays the failed job's cost_usd. */
export type FailedSemantics = 'refunded' | 'as_reported'
/**
 * A cancelled job: 'as_reported' = cost_usd is net of the cancel's refund; 'gross' = cost_usd stays the create cost
 * and the refund is visible only in the balance (attributed to the cancel by the account check).
 */
export type CancelledSemantics = 'as_reported' | 'gross'

export interface Semantics { failed: FailedSemantics, cancelled: CancelledSemantics }
export type SemanticsSubject = keyof Semantics
export type SemanticsSource = 'assumed' | 'configured' | 'observed'

/** What the gateway assumed before the account could tell: failures refunded in full, cancels reported net. */
export const ASSUMED_SEMANTICS: Semantics = { failed: 'refunded', cancelled: 'as_reported' }

export const FAILED_SEMANTICS: readonly FailedSemantics[] = ['refunded', 'as_reported']
export const CANCELLED_SEMANTICS: readonly CancelledSemantics[] = ['as_reported', 'gross']

/** A failed or cancelled job (ours or outside the gateway) that ended since the account last agreed with us. */
export interface EndedJob {
  /** the gateway job id, or `outside:<upstream id>` */
  key: string
  state: 'failed' | 'cancelled'
  /** cost_usd as TensorPix reports it now */
  cost: Decimal
  /** cost_usd of the create answer, when known (a gateway job): a cancel reported 'gross' still shows it */
  createCost: Decimal | null
  /** refunds of a 'gross' cancel already attributed to it */
  attributed: Decimal
  /** what the team was charged net for it so far (netCharged), or what the checks counted for an outside job */
  charged: Decimal
  /** it ended in the interval the drift appeared in (only such a cancel can carry that drift as a refund) */
  inDriftInterval: boolean
  /** a cancel settled by the refund measured across its DELETE (src/account/cancel-bracket.ts): nothing to attribute */
  measured: boolean
}

/** One money movement of a plan: + charges the job (or counts more for an outside job), − refunds it. */
export interface Change { key: string, amount: Decimal, apportioned: boolean, reason: string }

export interface Plan {
  semantics: Semantics
  changes: Change[]
}

/** What explains a drift: a plan when exactly one candidate does, else null and every candidate that did. */
export interface Explanation {
  plan: Plan | null
  /** every semantics that explained the drift (more than one: ambiguous, for an operator) */
  candidates: Semantics[]
}

const ZERO = new Decimal(0)

/**
 * Splits `total` (4 places) over `weights` in proportion, rounded to 4 places by largest remainder, so the parts
 * add up to `total` exactly. Ties go to the earlier weight. All weights zero: equal parts.
 */
export function apportion (total: Decimal, weights: Decimal[]): Decimal[] {
  if (weights.length === 0) return []
  const sum = weights.reduce((a, b) => a.plus(b), ZERO)
  const base = sum.isZero() ? weights.map(() => new Decimal(1)) : weights
  const baseSum = sum.isZero() ? new Decimal(weights.length) : sum
  const units = total.times(10_000)
  const exact = base.map(w => units.times(w).dividedBy(baseSum))
  const floors = exact.map(e => e.floor())
  let left = units.minus(floors.reduce((a, b) => a.plus(b), ZERO)).toNumber()
  const order = exact.map((e, i) => ({ i, rest: e.minus(floors[i] as Decimal) }))
    .sort((a, b) => b.rest.comparedTo(a.rest) || a.i - b.i)
  for (const { i } of order) {
    if (left <= 0) break
    floors[i] = (floors[i] as Decimal).plus(1)
    left--
  }
  return floors.map(f => f.dividedBy(10_000))
}

/** Each failed job moved to what it settles at under `to` (its cost, or nothing) from what it was charged. */
function failedChanges (ended: EndedJob[], to: FailedSemantics): Change[] {
  const settled = (job: EndedJob) => to === 'as_reported' ? job.cost : ZERO
  return ended.filter(job => job.state === 'failed' && !settled(job).equals(job.charged)).map(job => ({
    key: job.key,
    amount: settled(job).minus(job.charged),
    apportioned: false,
    reason: to === 'as_reported'
      ? 'account check: failed jobs are not refunded (observed); charged as reported'
      : 'account check: failed jobs are refunded (observed)'
  }))
}

/**
 * A cancel that may carry a refund the balance shows but cost_usd does not: it ended in the interval the drift
 * appeared in, nothing is attributed to it yet, and its cost_usd still equals its known create cost (a net report
 * would show less after a refund; an unknown create cost is no evidence).
 */
function grossLooking (job: EndedJob): boolean {
  return job.state === 'cancelled' && !job.measured && job.inDriftInterval && job.attributed.isZero() && job.cost.gt(0) &&
    job.createCost !== null && job.createCost.equals(job.cost)
}

/** The refunds of 'gross' cancels that make up `amount` exactly, or null when they cannot. */
function grossRefunds (ended: EndedJob[], amount: Decimal): Change[] | null {
  const cancels = ended.filter(grossLooking)
  const room = cancels.reduce((sum, job) => sum.plus(job.cost), ZERO)
  if (cancels.length === 0 || !amount.gt(0) || amount.gt(room)) return null
  const shares = apportion(amount, cancels.map(job => job.cost))
  const apportioned = cancels.length > 1
  return cancels.map((job, i) => ({
    key: job.key,
    amount: (shares[i] as Decimal).negated(),
    apportioned,
    reason: apportioned
      ? 'account check: cancel refund seen only in the balance (gross cost report), apportioned by cost'
      : 'account check: cancel refund seen only in the balance (gross cost report)'
  })).filter(change => !change.amount.isZero())
}

const other = <T>(values: readonly T[], value: T): T => values.find(v => v !== value) as T

/** The failure flip that brings `drift` to exactly 0, or null. */
function failureFlip (drift: Decimal, ended: EndedJob[], to: FailedSemantics): Change[] | null {
  const changes = failedChanges(ended, to)
  const residual = changes.reduce((sum, change) => sum.plus(change.amount), drift)
  return changes.length > 0 && residual.isZero() ? changes : null
}

/**
 * The semantics and money movements that explain a persistent drift exactly. `drift` is the account's unexplained
 * change since it last agreed (> 0 = we charged more than the account lost); `intervalDrift` the unexplained
 * change of the one interval it appeared in, or null when it built up over several; `ended` the failed and
 * cancelled jobs since the last agreement.
 *
 * Switching re-prices teams, so it is conservative: one semantic per explanation, never a failure flip mixed with
 * cancel refunds. Candidates: the other failure semantics alone (the failed jobs' reported costs add up to the drift
 * exactly); 'gross' cancels (the drift appeared in one positive interval and is at most the cost of cancels that
 * ended in it with cost_usd still their create cost), as a switch or, under 'gross' already, as attribution. A plan
 * is returned only when exactly one candidate explains; otherwise none, with the candidates, for an operator.
 * Reverting 'gross' to 'as_reported' is not inferred (a net report is indistinguishable from a refund of 0).
 */
export function explainDrift (drift: Decimal, intervalDrift: Decimal | null, ended: EndedJob[], belief: Semantics):
Explanation {
  if (drift.isZero()) return { plan: null, candidates: [] }
  const otherFailed = other(FAILED_SEMANTICS, belief.failed)
  const flip = failureFlip(drift, ended, otherFailed)
  const grossShown = intervalDrift !== null && intervalDrift.gt(0) && intervalDrift.equals(drift)
  const refunds = grossShown ? grossRefunds(ended, drift) : null
  const explaining: Plan[] = [
    ...(flip ? [{ semantics: { ...belief, failed: otherFailed }, changes: flip }] : []),
    ...(refunds ? [{ semantics: { ...belief, cancelled: 'gross' as const }, changes: refunds }] : [])
  ]
  const candidates = explaining.map(plan => plan.semantics)
  return { plan: explaining.length === 1 ? explaining[0] as Plan : null, candidates }
}

/** The subjects whose value differs between two beliefs. */
export function changedSubjects (from: Semantics, to: Semantics): SemanticsSubject[] {
  return (['failed', 'cancelled'] as const).filter(subject => from[subject] !== to[subject])
}
