// Applies what TensorPix says about a job to our record. The terminal transition and its money rows happen exactly
// once: a compare-and-set on the state inside the transaction that writes them, whether a client GET, the sync
// worker or another replica sees the final status first.
import { Decimal } from 'decimal.js'
import type { Db, Prisma } from '../db/client.ts'
import type { Job } from '../generated/prisma/client.ts'
import { charge, refund, type Movement } from '../ledger/money.ts'
import { countJob, rollupTarget } from '../ledger/rollup.ts'
import { readCredits } from '../ledger/balance.ts'
import { isTerminal, stateForStatus } from './states.ts'
import { recordOwnership } from './media.ts'
import { announceJobEnd } from '../webhooks/job-events.ts'
import { recordOverBudgetEnd } from './overspend.ts'
import { mediaId, type TensorpixJob } from '../tensorpix/jobs.ts'
import type { Semantics } from '../account/semantics.ts'
import { semanticsForSettlement } from '../account/beliefs.ts'
import { measuredCancelCost } from '../account/measured-cancel.ts'

type TerminalState = 'finished' | 'failed' | 'cancelled'

// While a job runs, poll it again after this long; the backoff grows with each unchanged answer (see nextSyncAt).
const BASE_SYNC_MS = 5_000
const MAX_SYNC_MS = 5 * 60_000

export function nextSyncDelay (unchangedPolls: number): number {
  return Math.min(MAX_SYNC_MS, BASE_SYNC_MS * 2 ** Math.min(unchangedPolls, 10))
}

function movement (job: Job, amount: Decimal, reason: string, counts?: Movement['counts']): Movement {
  return {
    ...rollupTarget(job), periodStart: job.periodStart, jobId: job.id, amount, reason, ...(counts ? { counts } : {})
  }
}

/** What the team was charged net for the job so far. */
export function netCharged (job: {
  actualCost: Decimal.Value | { toString(): string } | null
  refundedCost: Decimal.Value | { toString(): string }
}): Decimal {
  return new Decimal(job.actualCost?.toString() ?? 0).minus(job.refundedCost.toString())
}

/**
 * The cost_usd of a TensorPix job body, or null when it has none or one that cannot be read, a negative one included
 * (readCredits): that keeps what the team was charged, for an operator to look at, and never credits the team (a
 * finished or cancelled job always carries its cost; reading a missing one as 0 would refund the whole charge).
 */
export function reportedCost (body: unknown): Decimal | null {
  return readCredits(body !== null && typeof body === 'object' ? (body as { cost_usd?: unknown }).cost_usd : undefined)
}

type Stored = Decimal.Value | { toString(): string }

/**
 * What a job cost when it was created: its 201's cost_usd; an over-budget create answers (and stores) a 402, so its
 * create cost is what settle charged for it (actualCost). Null when neither says.
 */
export function createCost (job: { responseStatus: number | null, responseBody: unknown, actualCost: Stored | null }):
Decimal | null {
  if (job.responseStatus === 402) return job.actualCost === null ? null : new Decimal(job.actualCost.toString())
  return reportedCost(job.responseBody)
}

type MeasuredJob = Parameters<typeof createCost>[0] & { cancelRefundMeasured: Stored | null }

/**
 * What a cancelled job costs the team by the refund the balance showed across the gateway's own DELETE of it
 * (src/account/cancel-bracket.ts), given the cost_usd TensorPix reports; null when its DELETE was not measured or the
 * measurement does not fit (measuredCancelCost), and the account's semantics decide.
 */
export function measuredCost (job: MeasuredJob, reported: Decimal | null): Decimal | null {
  if (job.cancelRefundMeasured === null) return null
  return measuredCancelCost(createCost(job), reported, new Decimal(job.cancelRefundMeasured.toString()))
}

/**
 * Records the refund measured across the DELETE of a job: after a confirmed cancel it is the cancel's; after an
 * answer that may hide one (a 5xx, a lost answer) it is kept only when nothing better was measured, and counts only
 * if the job ends cancelled. A job that the status sync already settled as cancelled (it saw the status between the
 * DELETE and the second balance reading) is corrected to what the measurement says; one still running is settled by
 * it when its status arrives (applySnapshot).
 */
export async function recordMeasuredRefund (tx: Prisma.TransactionClient, jobId: string, measured: Decimal,
  confirmed: boolean): Promise<void> {
  // no money moves while an account check decides (it holds the semantics FOR UPDATE, then updates ended jobs'
  // rows): the semantics first, so this never holds such a row while it waits for the check
  await semanticsForSettlement(tx)
  // the update locks the row, so a settlement under way has either finished (and is corrected here) or reads this
  const written = await tx.job.updateMany({
    where: { id: jobId, ...(confirmed ? {} : { cancelRefundMeasured: null }) },
    data: { cancelRefundMeasured: measured.toFixed(4) }
  })
  if (written.count === 0) return
  const job = await tx.job.findUniqueOrThrow({ where: { id: jobId } })
  if (job.state !== 'cancelled') return
  const cost = measuredCost(job, reportedCost(job.snapshot))
  if (cost === null) return
  const diff = cost.minus(netCharged(job))
  if (diff.isZero()) return
  const reason = 'job cancelled: refund measured in the account balance'
  if (diff.gt(0)) {
    await charge(tx, movement(job, diff, reason))
    await tx.job.update({ where: { id: jobId }, data: { actualCost: { increment: diff.toFixed(4) } } })
  } else {
    await refund(tx, movement(job, diff.negated(), reason))
    await tx.job.update({ where: { id: jobId }, data: { refundedCost: { increment: diff.negated().toFixed(4) } } })
  }
}

/**
 * Why an ended job's cost was not used, for operators (the admin job views), or null when there is nothing to look
 * at: a failure the account refunds is settled at nothing whatever TensorPix reports, so only its unreadable figure
 * is worth a note.
 */
export function unusedCostNote (state: TerminalState, costUsd: unknown, semantics: Semantics): string | null {
  if (costUsd !== undefined && costUsd !== null) return `TensorPix reported an unreadable cost (${String(costUsd)}), not used`
  if (state === 'failed' && semantics.failed === 'refunded') return null
  return `TensorPix reported no cost for the ${state} job: the charge is kept`
}

/**
 * What a job in a terminal state costs the team, given TensorPix's reported cost and what the account is believed
 * to do (src/account/semantics.ts): a finished job its cost; a failed one nothing when failures are refunded, else
 * its cost; a cancelled one its reported cost (under 'gross' the account check attributes the refund later).
 */
export function settledCost (state: TerminalState, upstreamCost: Decimal, semantics: Semantics): Decimal {
  return state === 'failed' && semantics.failed === 'refunded' ? new Decimal(0) : upstreamCost
}

/**
 * The money that settles a terminal status: the difference between what the team was charged net and the job's
 * settled cost under the account's semantics, as a charge or a refund.
 */
export function terminalSettlement (state: TerminalState, net: Decimal, upstreamCost: Decimal, semantics: Semantics):
{ kind: 'charge' | 'refund', amount: Decimal } | null {
  const diff = settledCost(state, upstreamCost, semantics).minus(net)
  if (diff.isZero()) return null
  return diff.gt(0) ? { kind: 'charge', amount: diff } : { kind: 'refund', amount: diff.negated() }
}

// A running job's progress changes on every poll; storing each one would make concurrent readers of one job queue on
// its row lock (and a commit each). Progress is stored at most this often; state changes are stored at once.
export const SNAPSHOT_REFRESH_MS = 5_000

/**
 * What applySnapshot needs to know of a job: its identity, and a view of the mutable columns that may be older than
 * the row (a per-replica cache of it). Every write below compares-and-sets against the row itself, so a stale view
 * costs at most a skipped progress update, never a wrong or repeated money movement.
 */
export type JobView = Pick<Job, 'id' | 'teamId' | 'upstreamId' | 'state' | 'snapshot' | 'lastSyncedAt'>

// the states of a created job that is still running (or set aside, src/jobs/vanished.ts): the only ones a terminal
// status may end
const RUNNING: Job['state'][] = ['queued', 'processing', 'vanished']

// TensorPix may report a finished job's output_video a poll or more after status 2. The status sync keeps asking
// for it this many times (about 75 minutes with the backoff), then gives up; any later snapshot that shows it
// (a client GET) still records it.
export const OUTPUT_WAIT_POLLS = 20

/**
 * The team's ownership of a job's output, with the output as the job's snapshot shows it when it shows the object
 * (not only its id): what GET /api/restored-videos/ shows of it until the list reads it afresh.
 */
function outputOwnership (teamId: string, snapshot: TensorpixJob) {
  const output = snapshot.output_video
  return { teamId, kind: 'restored_video' as const, snapshot: typeof output === 'object' && output !== null ? output : undefined }
}

/** When the sync asks a just-finished job again: soon while its output has not appeared, else never. */
function outputPollAt (snapshot: TensorpixJob, now: Date): Date | null {
  return mediaId(snapshot.output_video) === null ? new Date(now.getTime() + nextSyncDelay(0)) : null
}

/** Whether the gateway's record of a job is worth reading afresh from TensorPix before it is shown. */
export function needsRefresh (job: Pick<Job, 'state' | 'snapshot' | 'lastSyncedAt' | 'outputVideoId' | 'nextSyncAt'>,
  now: Date): boolean {
  // a vanished job's TensorPix answer is a 404: its record is what there is to show
  if (job.state === 'vanished') return false
  if (!job.snapshot) return true
  const stale = now.getTime() - (job.lastSyncedAt?.getTime() ?? 0) > SNAPSHOT_REFRESH_MS
  const awaitsOutput = job.state === 'finished' && job.outputVideoId === null && job.nextSyncAt !== null
  return stale && (!isTerminal(job.state) || awaitsOutput)
}

// the clock first: comparing the snapshots is the costly part, and within the interval it is moot
function worthStoring (job: JobView, snapshot: TensorpixJob, state: Job['state'], now: Date): boolean {
  if (state !== job.state) return true
  if (job.lastSyncedAt && now.getTime() - job.lastSyncedAt.getTime() < SNAPSHOT_REFRESH_MS) return false
  return JSON.stringify(job.snapshot) !== JSON.stringify(snapshot)
}

/**
 * A finished job's output, whenever TensorPix first reports it: the team owns it from then on (data-plane reads
 * and deletes, lists, retention), whichever snapshot shows it. The same object when there is nothing new.
 */
async function recordLateOutput<T extends JobView> (db: Db, job: T, snapshot: TensorpixJob, now: Date):
Promise<T | Job> {
  const output = mediaId(snapshot.output_video)
  if (output === null || mediaId((job.snapshot as TensorpixJob | null)?.output_video) === output) return job
  return db.$transaction(async tx => {
    const stored = await tx.job.updateMany({
      where: { id: job.id, state: 'finished', outputVideoId: null },
      data: { snapshot: snapshot as object, outputVideoId: output, lastSyncedAt: now, nextSyncAt: null }
    })
    if (stored.count === 1) {
      await recordOwnership(tx, { ...outputOwnership(job.teamId, snapshot), upstreamId: output, jobId: job.id })
    }
    return await tx.job.findUniqueOrThrow({ where: { id: job.id } })
  })
}

/**
 * Records an upstream snapshot of one of our jobs. Returns the job as stored afterwards — the very same object when
 * nothing was written (the sync worker backs off on that; the read path keeps its cached view).
 */
export async function applySnapshot<T extends JobView> (
  db: Db,
  job: T,
  snapshot: TensorpixJob,
  now: Date
): Promise<T | Job> {
  const state = stateForStatus(snapshot.status)
  const common = {
    snapshot: snapshot as object,
    progress: snapshot.processing_progress ?? null,
    outputVideoId: mediaId(snapshot.output_video),
    lastSyncedAt: now,
    // TensorPix has the job: a count of 404s for it starts afresh (src/jobs/vanished.ts)
    notFoundPolls: 0,
    notFoundSince: null
  }
  if (job.state === 'finished') return recordLateOutput(db, job, snapshot, now)
  if (isTerminal(job.state) || (!isTerminal(state) && !worthStoring(job, snapshot, state, now))) {
    return job
  }
  if (!isTerminal(state)) {
    // the lastSyncedAt condition lets one of many concurrent readers store it; the others (and a stale view) change
    // nothing and get the row as it is
    const stored = await db.job.updateMany({
      where: { id: job.id, state: job.state, lastSyncedAt: job.lastSyncedAt },
      data: { ...common, state, syncAttempts: 0, nextSyncAt: new Date(now.getTime() + nextSyncDelay(0)) }
    })
    return stored.count === 1 ? { ...job, ...common, state } : await db.job.findUniqueOrThrow({ where: { id: job.id } })
  }
  return db.$transaction(async tx => {
    const won = await tx.job.updateMany({
      where: { id: job.id, state: { in: RUNNING } },
      data: {
        ...common,
        state,
        finishedAt: snapshot.finished ? new Date(snapshot.finished) : now,
        syncAttempts: 0,
        nextSyncAt: state === 'finished' ? outputPollAt(snapshot, now) : null
      }
    })
    if (won.count === 0) return await tx.job.findUniqueOrThrow({ where: { id: job.id } })
    const terminal = state as 'finished' | 'failed' | 'cancelled'
    // the money columns as the row has them (locked by the update above), not as the caller's view remembers them
    const row = await tx.job.findUniqueOrThrow({ where: { id: job.id } })
    const reported = reportedCost(snapshot)
    // a cancel measured in the balance costs what the balance says, whichever way cost_usd reports it
    const cost = (terminal === 'cancelled' ? measuredCost(row, reported) : null) ?? reported
    const semantics = await semanticsForSettlement(tx)
    const costNote = cost === null ? unusedCostNote(terminal, snapshot.cost_usd, semantics) : null
    const settlement = terminalSettlement(terminal, netCharged(row), cost ?? netCharged(row), semantics)
    let actual = new Decimal(row.actualCost?.toString() ?? 0)
    let refunded = new Decimal(row.refundedCost.toString())
    if (settlement?.kind === 'charge') {
      await charge(tx, movement(row, settlement.amount, `job ${state}: final cost`, terminal))
      actual = actual.plus(settlement.amount)
    } else if (settlement?.kind === 'refund') {
      await refund(tx, movement(row, settlement.amount, `job ${state}: refund`, terminal))
      refunded = refunded.plus(settlement.amount)
    }
    // counted with the settling money, or alone when none moved
    if (!settlement) await countJob(tx, rollupTarget(row), terminal)
    const output = mediaId(snapshot.output_video)
    if (state === 'finished' && output !== null) {
      await recordOwnership(tx, { ...outputOwnership(row.teamId, snapshot), upstreamId: output, jobId: row.id })
    }
    const ended = await tx.job.update({
      where: { id: job.id },
      data: {
        actualCost: actual.toFixed(4),
        refundedCost: refunded.toFixed(4),
        ...(costNote ? { error: costNote } : {})
      }
    })
    await announceJobEnd(tx, ended, settlement?.kind === 'charge')
    return await recordOverBudgetEnd(tx, ended)
  })
}
