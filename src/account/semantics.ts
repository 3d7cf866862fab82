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
}

/** One money movement of a plan: + charges the job (or counts more for an outside job), − refunds it. */
export interface Change { key: string, amount: Decimal, apportioned: boolean, reason: string }

export interface Plan {
  semantics: Semantics
  changes: Change[]
  /** other semantics that explain the same drift exactly (the choice was not unique) */
  alternatives: Semantics[]
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

function failedChanges (ended: EndedJob[], to: FailedSemantics): Change[] {
  return ended.filter(job => job.state === 'failed' && !job.cost.isZero()).map(job => ({
    key: job.key,
    amount: to === 'as_reported' ? job.cost : job.cost.negated(),
    apportioned: false,
    reason: to === 'as_reported'
      ? 'account check: failed jobs are not refunded (observed); charged as reported'
      : 'account check: failed jobs are refunded (observed)'
  }))
}

/**
 * A cancel that may carry a refund the balance shows but cost_usd does not: nothing attributed yet, a cost to refund,
 * and, where the create's cost is known, cost_usd still equal to it (a net report would show less after a refund).
 */
function grossLooking (job: EndedJob): boolean {
  return job.state === 'cancelled' && job.attributed.isZero() && job.cost.gt(0) &&
    (job.createCost === null || job.createCost.equals(job.cost))
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

/** The movements that bring `drift` to exactly 0 under `semantics`, or null. */
function planUnder (drift: Decimal, ended: EndedJob[], belief: Semantics, semantics: Semantics): Change[] | null {
  const changes = semantics.failed === belief.failed ? [] : failedChanges(ended, semantics.failed)
  if (semantics.failed !== belief.failed && changes.length === 0) return null
  const residual = changes.reduce((sum, change) => sum.plus(change.amount), drift)
  // a switch to 'gross' needs refunds to show for it
  if (residual.isZero()) return changes.length > 0 && semantics.cancelled === belief.cancelled ? changes : null
  if (semantics.cancelled !== 'gross') return null
  const refunds = grossRefunds(ended, residual)
  return refunds ? [...changes, ...refunds] : null
}

/**
 * The semantics and money movements that explain a persistent drift exactly, or null. `drift` is the account's
 * unexplained change (balance change + ledger change + outside change − top-ups; > 0 = we charged more than the
 * account lost); `ended` the failed and cancelled jobs since the last check without drift.
 *
 * A failure hypothesis is exact (the failed jobs' reported costs must add up to the drift, or to the drift less
 * cancel refunds), while 'gross' absorbs any positive amount up to the cancels' cost; so when both kinds of job
 * ended, several candidates can explain one drift. They are tried strongest evidence first: the other failure
 * semantics (alone, then with 'gross' cancels), then the current belief (refunds of 'gross' cancels when that is
 * already the belief), then 'gross' cancels alone. The first that explains wins; the others that also explain are
 * returned as `alternatives`, so the evidence says when the choice was not unique. Reverting 'gross' to
 * 'as_reported' is not inferred (a net report is indistinguishable from a refund of 0); an operator configures it.
 */
export function explainDrift (drift: Decimal, ended: EndedJob[], belief: Semantics): Plan | null {
  if (drift.isZero()) return null
  const otherFailed = other(FAILED_SEMANTICS, belief.failed)
  const ordered: Semantics[] = [
    { ...belief, failed: otherFailed },
    { failed: otherFailed, cancelled: 'gross' },
    belief,
    { ...belief, cancelled: 'gross' }
  ]
  const same = (a: Semantics, b: Semantics) => a.failed === b.failed && a.cancelled === b.cancelled
  const candidates = ordered.filter((c, i) => ordered.findIndex(x => same(x, c)) === i)
  const explaining = candidates.flatMap(semantics => {
    const changes = planUnder(drift, ended, belief, semantics)
    return changes ? [{ semantics, changes }] : []
  })
  const [first, ...rest] = explaining
  return first ? { ...first, alternatives: rest.map(r => r.semantics) } : null
}

/** The subjects whose value differs between two beliefs. */
export function changedSubjects (from: Semantics, to: Semantics): SemanticsSubject[] {
  return (['failed', 'cancelled'] as const).filter(subject => from[subject] !== to[subject])
}
