// The durable cancel of a job whose actual cost broke a hard budget. TensorPix charged the master account when it
// created the job, so the team is charged too (settle); only stopping the job gets money back. The cancel is
// recorded with that charge (settle), tried once by the request path and then by the cancel worker with backoff,
// until TensorPix confirms it (DELETE 2xx, or 409: already cancelled) or the job ends (overspend.ts).
import type { Db, Prisma } from '../db/client.ts'
import type { TensorpixApi } from '../upstream/tensorpix.ts'
import type { UpstreamResponse } from '../upstream/client.ts'
import { UpstreamFailure } from '../upstream/client.ts'
import { SchedulerSaturated } from '../upstream/fair-scheduler.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { formatCredits } from '../ledger/balance.ts'
import { tensorpixAnswer } from '../tensorpix/errors.ts'
import { applySnapshot } from './snapshot.ts'

// a try in progress holds the cancel this long: a worker that died mid-try is replaced when it runs out
export const CANCEL_LEASE_MS = 60_000
const FIRST_RETRY_MS = 1_000
// the overspend a pending cancel risks is bounded by the job's cost, whatever the wait; a minute keeps it short
const MAX_RETRY_MS = 60_000
// TensorPix's 429 without a Retry-After: the transport pauses this long too (client.ts)
const DEFAULT_RETRY_AFTER_MS = 5_000

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
  if ((status >= 200 && status < 300) || status === 409) return { confirmed: true }
  const reason = `TensorPix answered HTTP ${status}`
  if (status === 429) {
    const seconds = Number(answer.headers['retry-after'])
    const retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS
    return { confirmed: false, reason, retryAfterMs, mayHaveEnded: false }
  }
  // a refusal of TensorPix's own (400, 404) may mean the job already ended: its status tells
  return { confirmed: false, reason, retryAfterMs: 0, mayHaveEnded: status < 500 }
}

/** The wait before the next try after `attempts` failed ones, never shorter than TensorPix asked for. Pure. */
export function cancelRetryDelayMs (attempts: number, retryAfterMs: number): number {
  const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 10))
  return Math.max(backoff, retryAfterMs)
}

/** The job columns that record a cancel to be made, leased to the caller that tries it first. */
export function cancelRequested (now: Date): { overBudgetCancel: 'pending', cancelNextAt: Date } {
  return { overBudgetCancel: 'pending', cancelNextAt: new Date(now.getTime() + CANCEL_LEASE_MS) }
}

/**
 * The 402 of an over-budget create, and the job columns that keep it for a replay under its Idempotency-Key
 * (rewritten when a later try is confirmed, so a replay says so too).
 */
export function overBudgetAnswer (cost: string, cancelled: boolean) {
  const error = new GatewayError('job_over_budget', formatCredits(cost), cancelled)
  return { error, record: { responseBody: tensorpixAnswer(error).body as Prisma.InputJsonValue, error: error.message } }
}

export interface CancelDeps { db: Db, upstream: TensorpixApi, now: () => Date }

/** `cost`: what the job was charged at its create (TensorPix's `cost_usd`), which its 402 names. */
export interface PendingCancel { id: string, upstreamId: number, attempts: number, cost: string }

/** One try of a pending cancel. Returns whether TensorPix confirmed it. */
export async function tryCancel (deps: CancelDeps, cancel: PendingCancel, requestId: string): Promise<boolean> {
  let outcome: CancelOutcome
  try {
    outcome = cancelOutcome(await deps.upstream.cancelJob(cancel.upstreamId, { requestId }))
  } catch (err) {
    if (!(err instanceof UpstreamFailure)) throw err
    outcome = cancelOutcome(err)
  }
  const now = deps.now()
  const attempts = cancel.attempts + 1
  // only while pending: the job may have ended meanwhile, and its end decided the cancel (overspend.ts)
  const where = { id: cancel.id, overBudgetCancel: 'pending' as const }
  if (outcome.confirmed) {
    // the status sync looks at once, in case the refresh below cannot
    await deps.db.job.updateMany({
      where,
      data: {
        overBudgetCancel: 'confirmed',
        cancelAttempts: attempts,
        cancelNextAt: null,
        cancelError: null,
        nextSyncAt: now,
        ...overBudgetAnswer(cancel.cost, true).record
      }
    })
  } else {
    const next = new Date(now.getTime() + cancelRetryDelayMs(attempts, outcome.retryAfterMs))
    await deps.db.job.updateMany({
      where, data: { cancelAttempts: attempts, cancelNextAt: next, cancelError: outcome.reason }
    })
  }
  if (outcome.confirmed || outcome.mayHaveEnded) {
    await refreshJob(deps, cancel.id, cancel.upstreamId, requestId).catch(() => {})
  }
  return outcome.confirmed
}

/** Reads the job back from TensorPix and records it (a cancellation's refund, or the job's end, comes from here). */
async function refreshJob (deps: CancelDeps, jobId: string, upstreamId: number, requestId: string) {
  const res = await deps.upstream.getJob(upstreamId, { requestId })
  if (!res.ok) return
  const job = await deps.db.job.findUniqueOrThrow({ where: { id: jobId } })
  await applySnapshot(deps.db, job, res.body, deps.now())
}
