// The durable cancel of a job whose actual cost broke a hard budget. TensorPix charged the master account when it
// created the job, so the team is charged too (settle); only stopping the job gets money back. The cancel is
// recorded with that charge (settle), tried once by the request path and then by the cancel worker with backoff,
// until TensorPix confirms it (DELETE 2xx), the job ends (overspend.ts), or the worker gives up (abandoned).
// A 409 is no confirmation: the simulator (and perhaps TensorPix, API.md leaves it open) also answers 409 for a job
// that already finished or failed, so the job is read back and its status decides.
import type { Db, Prisma } from '../db/client.ts'
import type { TensorpixApi } from '../upstream/tensorpix.ts'
import type { UpstreamResponse } from '../upstream/client.ts'
import { UpstreamFailure } from '../upstream/client.ts'
import { SchedulerSaturated } from '../upstream/fair-scheduler.ts'
import { applySnapshot } from './snapshot.ts'
import { overBudgetAnswer, overBudgetOutcome } from './over-budget-answer.ts'
import { cancelAnswer, measuredCancel } from '../account/cancel-bracket.ts'

// a try in progress holds the cancel this long from its start (a DELETE and a GET, each bounded by the transport's
// timeouts): a worker that died mid-try is replaced when it runs out; a try that outlives it is fenced (tryCancel)
export const CANCEL_LEASE_MS = 60_000
const FIRST_RETRY_MS = 1_000
// the overspend a pending cancel risks is bounded by the job's cost, whatever the wait; a minute keeps it short
const MAX_RETRY_MS = 60_000
// TensorPix's 429 without a Retry-After: the transport pauses this long too (client.ts)
const DEFAULT_RETRY_AFTER_MS = 5_000
// a cancel TensorPix refuses this many times (about 55 minutes with the backoff, longer if TensorPix asks to wait)
// is given up (abandoned): a 404 or 400 for ever would otherwise be retried every minute for ever. The job is
// still status-synced, and its end still records what it cost (overspend.ts).
export const MAX_CANCEL_ATTEMPTS = 60

export type CancelOutcome =
  | { confirmed: true }
  | { confirmed: false, reason: string, retryAfterMs: number, mayHaveEnded: boolean }

/** What one DELETE's answer (or its failure) means for the cancel. Pure. */
export function cancelOutcome (answer: Pick<UpstreamResponse, 'status' | 'headers'> | UpstreamFailure): CancelOutcome {
  if (answer instanceof UpstreamFailure) {
    const saturated = answer.cause instanceof SchedulerSaturated ? answer.cause.retryAfterS * 1000 : 0
    return { confirmed: false, reason: answer.message, retryAfterMs: saturated, mayHaveEnded: false }
  }
  const { status } = answer
  if (status >= 200 && status < 300) return { confirmed: true }
  const reason = `TensorPix answered HTTP ${status}`
  if (status === 429) {
    const seconds = Number(answer.headers['retry-after'])
    const retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS
    return { confirmed: false, reason, retryAfterMs, mayHaveEnded: false }
  }
  // a refusal of TensorPix's own (409: already cancelled, or already finished or failed; 400, 404) may mean the job
  // already ended: its status tells (cancelled confirms the cancel, finished or failed overtook it)
  return { confirmed: false, reason, retryAfterMs: 0, mayHaveEnded: status < 500 }
}

/** The wait before the next try after `attempts` failed ones, never shorter than TensorPix asked for. Pure. */
export function cancelRetryDelayMs (attempts: number, retryAfterMs: number): number {
  const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 10))
  return Math.max(backoff, retryAfterMs)
}

/** Whether a cancel refused `attempts` times in a row is given up. Pure. */
export function cancelGivenUp (attempts: number): boolean {
  return attempts >= MAX_CANCEL_ATTEMPTS
}

/**
 * The job columns that record a cancel to be made, leased to the caller that tries it first (a crash before that
 * try leaves it to the cancel worker once the lease runs out); the try re-leases it when it starts (leaseCancel).
 */
export function cancelRequested (now: Date) {
  const cancelNextAt = new Date(now.getTime() + CANCEL_LEASE_MS)
  return { overBudgetCancel: 'pending' as const, cancelAttempts: 0, cancelNextAt }
}

export interface CancelDeps { db: Db, upstream: TensorpixApi, now: () => Date }

/** `attempts`: the tries recorded when this one was claimed; the try's writes are fenced on it. */
export interface PendingCancel { id: string, upstreamId: number, attempts: number }

/**
 * Leases a pending cancel to the caller about to try it, from now: false when it is no longer pending with that
 * many tries (another try, or the job's end, came first).
 */
export async function leaseCancel (db: Db, cancel: PendingCancel, now: Date): Promise<boolean> {
  const leased = await db.job.updateMany({
    where: { id: cancel.id, overBudgetCancel: 'pending', cancelAttempts: cancel.attempts },
    data: { cancelNextAt: new Date(now.getTime() + CANCEL_LEASE_MS) }
  })
  return leased.count === 1
}

/**
 * What one try came to: confirmed by TensorPix, retried later, given up, or decided elsewhere (the job's end, read
 * back after a refusal, or another try recorded first).
 */
export type TryResult = 'confirmed' | 'retrying' | 'abandoned' | 'decided'

/** One try of a pending cancel, leased to the caller. */
export async function tryCancel (deps: CancelDeps, cancel: PendingCancel, requestId: string): Promise<TryResult> {
  let outcome: CancelOutcome
  try {
    // measured against the account's balance: the refund counts whether or not cost_usd shows it
    const send = () => deps.upstream.cancelJob(cancel.upstreamId, { requestId })
    outcome = cancelOutcome(await measuredCancel(deps, cancel.id, send, cancelAnswer))
  } catch (err) {
    if (!(err instanceof UpstreamFailure)) throw err
    outcome = cancelOutcome(err)
  }
  const now = deps.now()
  // only while pending, and only if no other try was recorded since this one was claimed (a try that outlived its
  // lease races the one that took over): the job's end decides the cancel too (overspend.ts)
  const where = { id: cancel.id, overBudgetCancel: 'pending' as const, cancelAttempts: cancel.attempts }
  if (!outcome.confirmed) {
    // read the job first: a refusal for a job that ended (a 409 for one that finished) is decided by its end
    if (outcome.mayHaveEnded) await refreshJob(deps, cancel.id, cancel.upstreamId, requestId).catch(() => {})
    return await recordRefusal(deps.db, where, cancel.attempts + 1, outcome, now)
  }
  // the status sync looks at once, in case the refresh below cannot
  const confirmed = await decideCancel(deps.db, where, 'confirmed', { cancelError: null, nextSyncAt: now })
  await refreshJob(deps, cancel.id, cancel.upstreamId, requestId).catch(() => {})
  return confirmed ? 'confirmed' : 'decided'
}

/** Records a try that decided the cancel, with the 402 a replay now gives: false when the fence let nothing by. */
async function decideCancel (
  db: Db,
  where: Prisma.JobWhereInput,
  decision: 'confirmed' | 'abandoned',
  data: Prisma.JobUpdateManyMutationInput
): Promise<boolean> {
  return db.$transaction(async tx => {
    const [job] = await tx.job.updateManyAndReturn({
      where, data: { ...data, cancelAttempts: { increment: 1 }, overBudgetCancel: decision, cancelNextAt: null }
    })
    if (!job) return false
    await tx.job.update({ where: { id: job.id }, data: overBudgetAnswer(job.actualCost ?? '0', overBudgetOutcome(job)).record })
    return true
  })
}

async function recordRefusal (
  db: Db,
  where: Prisma.JobWhereInput,
  attempts: number,
  outcome: Extract<CancelOutcome, { confirmed: false }>,
  now: Date
): Promise<TryResult> {
  if (cancelGivenUp(attempts)) {
    const error = `over-budget cancel abandoned after ${attempts} tries: ${outcome.reason}`
    return await decideCancel(db, where, 'abandoned', { cancelError: outcome.reason, error }) ? 'abandoned' : 'decided'
  }
  const next = new Date(now.getTime() + cancelRetryDelayMs(attempts, outcome.retryAfterMs))
  const retried = await db.job.updateMany({
    where, data: { cancelAttempts: { increment: 1 }, cancelNextAt: next, cancelError: outcome.reason }
  })
  return retried.count === 1 ? 'retrying' : 'decided'
}

/** Reads the job back from TensorPix and records it (a cancellation's refund, or the job's end, comes from here). */
async function refreshJob (deps: CancelDeps, jobId: string, upstreamId: number, requestId: string) {
  const res = await deps.upstream.getJob(upstreamId, { requestId })
  if (!res.ok) return
  const job = await deps.db.job.findUniqueOrThrow({ where: { id: jobId } })
  await applySnapshot(deps.db, job, res.body, deps.now())
}
