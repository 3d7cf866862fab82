// Ending a create's hold: settling a created upstream job (charge the actual cost, release the hold), rejecting a
// create that produced none (release), and cancelling a job that broke a hard budget. Shared by the request path
// and the reconciliation worker, which settles jobs whose create answer was lost.
import { Decimal } from 'decimal.js'
import type { Db, Prisma } from '../db/client.ts'
import type { Job, Team } from '../generated/prisma/client.ts'
import type { TensorpixApi } from '../upstream/tensorpix.ts'
import type { CreatedJob } from '../tensorpix/jobs.ts'
import { budgetRule, releaseHold, settleHold, type Movement } from '../ledger/money.ts'
import { rollupTarget } from '../ledger/rollup.ts'
import { readCredits } from '../ledger/balance.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { tensorpixAnswer } from '../tensorpix/errors.ts'
import { isUniqueViolation } from '../db/errors.ts'
import { recordOwnership } from './media.ts'
import { raiseBudgetAlerts } from '../webhooks/budget-alerts.ts'
import { isTerminal, stateForStatus } from './states.ts'
import { nextSyncDelay } from './snapshot.ts'
import { cancelRequested, leaseCancel, tryCancel } from './over-budget.ts'
import { overBudgetAnswer, overBudgetOutcome } from './over-budget-answer.ts'

function settledState (status: number) {
  const state = stateForStatus(status)
  return isTerminal(state) ? 'processing' : state
}

export interface SettleDeps { db: Db, upstream: TensorpixApi, now: () => Date }

export interface Held { job: Job, team: Team, hold: Movement }

/** The hold a pending or unknown job still carries. */
export function heldBy (job: Job, team: Team): Held {
  return {
    job,
    team,
    hold: {
      ...rollupTarget(job),
      periodStart: job.periodStart,
      jobId: job.id,
      amount: new Decimal(job.estimatedCost.toString()),
      reason: 'hold for create'
    }
  }
}

// The request path and reconciliation may both try to end one create's hold (a create that outlived
// STALE_PENDING_MS): the row lock orders them, and the second sees what the first did.
async function lockedJob (tx: Prisma.TransactionClient, jobId: string) {
  const rows = await tx.$queryRaw<Array<{ state: Job['state'], upstream_id: number | null }>>`
    SELECT state, upstream_id FROM jobs WHERE id = ${jobId}::uuid FOR UPDATE`
  return rows[0] ?? null
}

const OPEN_STATES: ReadonlyArray<Job['state']> = ['pending', 'unknown']

async function stillOpen (tx: Prisma.TransactionClient, jobId: string): Promise<boolean> {
  const locked = await lockedJob(tx, jobId)
  return locked !== null && OPEN_STATES.includes(locked.state)
}

/** Ends a hold whose create never produced an upstream job. */
export async function reject (db: Db, held: Held, answer: GatewayError, keepForReplay: boolean) {
  await db.$transaction(async tx => {
    if (!await stillOpen(tx, held.job.id)) return
    await tx.job.update({
      where: { id: held.job.id },
      data: {
        state: 'rejected',
        error: answer.message,
        finishedAt: new Date(),
        responseStatus: keepForReplay ? answer.statusCode : null,
        responseBody: keepForReplay ? tensorpixAnswer(answer).body as Prisma.InputJsonValue : undefined,
        // a retryable failure frees the key so that a retry with it is not answered from this record
        idempotencyKey: keepForReplay ? undefined : null
      }
    })
    // last: the team's usage row stays locked from this one statement to the COMMIT
    await releaseHold(tx, { ...held.hold, reason: `upstream refused the create (HTTP ${answer.statusCode})` })
  })
}

/**
 * What settling a created upstream job did. `late`: reconciliation had released the create as never made, and
 * TensorPix's answer proves it was; the money follows TensorPix, so it is charged now.
 */
export type Settlement =
  | { outcome: 'settled', late: boolean }
  | { outcome: 'over_budget', late: boolean }
  // the other path (request or reconciliation) settled the create with this same upstream job first
  | { outcome: 'settled_elsewhere', job: Job }
  // reconciliation settled the create with another upstream job: the same request cannot own both
  | { outcome: 'settled_with_another', job: Job }
  // another create already holds this upstream job (reconciliation matched it there)
  | { outcome: 'upstream_taken', ownerId: string }

/** Who names the upstream job: TensorPix's answer to this very create, or reconciliation's match in the listing. */
export type SettleOrigin = 'create_answer' | 'reconciliation'

// The release freed the Idempotency-Key for a retry; the create did happen, so the key is its own again unless a
// retry took it meanwhile (that retry's record keeps it)
async function lateSettlement (tx: Prisma.TransactionClient, job: Job) {
  const key = job.idempotencyKey
  const taken = key !== null && await tx.job.count({ where: { teamId: job.teamId, idempotencyKey: key } }) > 0
  return {
    finishedAt: null,
    error: 'settled late: TensorPix created the job after reconciliation had released it',
    ...(key !== null && !taken ? { idempotencyKey: key } : {})
  }
}

/** Settles a created upstream job: the hold becomes a charge of the actual cost, if the budget allows it. */
export async function settle (
  db: Db,
  held: Held,
  created: CreatedJob,
  answer: { status: number, body: unknown },
  now: Date,
  origin: SettleOrigin = 'reconciliation'
): Promise<Settlement> {
  try {
    return await db.$transaction(tx => settleLocked(tx, held, created, answer, now, origin))
  } catch (err) {
    // the unique upstream id: the job is already another create's; nothing of this transaction was kept
    if (!isUniqueViolation(err)) throw err
    const owner = await db.job.findUnique({ where: { upstreamId: created.id }, select: { id: true } })
    if (!owner) throw err
    return { outcome: 'upstream_taken', ownerId: owner.id }
  }
}

async function settleLocked (
  tx: Prisma.TransactionClient,
  held: Held,
  created: CreatedJob,
  answer: { status: number, body: unknown },
  now: Date,
  origin: SettleOrigin
): Promise<Settlement> {
  const locked = await lockedJob(tx, held.job.id)
  const open = locked !== null && OPEN_STATES.includes(locked.state)
  // released as never created (reconciliation), yet TensorPix's own answer names a job: it is charged after all. A
  // listing match proves no such thing (the row may have been refused by TensorPix meanwhile), so only the answer may
  const late = origin === 'create_answer' && locked?.state === 'rejected' && locked.upstream_id === null
  if (!open && !late) {
    const job = await tx.job.findUniqueOrThrow({ where: { id: held.job.id } })
    return job.upstreamId === created.id
      ? { outcome: 'settled_elsewhere', job }
      : { outcome: 'settled_with_another', job }
  }
  // an unreadable cost must not strand the hold: charge the hold, and the terminal status settles the difference
  const actual = readCredits(created.cost_usd) ?? held.hold.amount
  // the job's own rows first, the money last: the team's usage row is locked by settleHold's one statement until the
  // COMMIT right after it (the answer is kept for a replay as if within the budget, and rewritten below when not)
  await tx.job.update({
    where: { id: held.job.id },
    data: {
      upstreamId: created.id,
      // a terminal status (only seen by reconciliation) is applied afterwards by applySnapshot, which settles it
      state: settledState(created.status ?? 0),
      actualCost: actual.toFixed(4),
      submittedAt: now,
      nextSyncAt: new Date(now.getTime() + nextSyncDelay(0)),
      responseStatus: answer.status,
      responseBody: answer.body as Prisma.InputJsonValue,
      ...(late ? await lateSettlement(tx, held.job) : {})
    }
  })
  const input = typeof created.input_video === 'number' ? created.input_video : null
  if (input !== null) await recordOwnership(tx, { teamId: held.team.id, kind: 'video', upstreamId: input, jobId: held.job.id })
  // the hold's alerts were checked when it was placed; a cost above the hold (or a late charge) may cross another
  const alerting = late || actual.gt(held.hold.amount)
    ? await tx.team.findUniqueOrThrow({ where: { id: held.team.id } })
    : null
  // TensorPix accepted it: counted with its charge (or alone when it costs nothing, a preview), which is recorded
  // even over budget (TensorPix charged the master account all the same: the caller cancels and refunds)
  const { within, usage } = await settleHold(tx, {
    release: open ? { ...held.hold, reason: 'create settled' } : null,
    cost: { ...held.hold, amount: actual, reason: late ? 'job created (settled late)' : 'job created', counts: 'created' },
    rule: budgetRule(held.team)
  })
  if (!within) {
    // the cancel and its 402 (kept for a replay, rewritten by the job's end) are committed with the over-budget
    // charge, so a crash before the cancel is tried cannot lose them
    await tx.job.update({
      where: { id: held.job.id },
      data: { ...cancelRequested(now), ...overBudgetAnswer(actual.toFixed(4), 'pending').record }
    })
  }
  if (alerting && usage) await raiseBudgetAlerts(tx, alerting, held.hold.periodStart, usage)
  return { outcome: within ? 'settled' : 'over_budget', late }
}

/**
 * The answer to a create whose actual cost broke a hard budget, after one try of its cancel (settle recorded the
 * cancel; the cancel worker retries it until TensorPix confirms, the job ends, or it is given up). It tells how
 * the cancel stands on the row after the try (a later try, or the job's end, may have decided it meanwhile).
 */
export async function cancelOverBudget (
  deps: SettleDeps,
  held: Held,
  created: CreatedJob,
  requestId: string
): Promise<GatewayError> {
  const cancel = { id: held.job.id, upstreamId: created.id, attempts: 0 }
  // leased from the start of the try, not of the create before it
  if (await leaseCancel(deps.db, cancel, deps.now())) await tryCancel(deps, cancel, requestId)
  const job = await deps.db.job.findUniqueOrThrow({ where: { id: held.job.id } })
  return overBudgetAnswer(job.actualCost ?? held.hold.amount.toFixed(4), overBudgetOutcome(job)).error
}
