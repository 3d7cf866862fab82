// Applies what TensorPix says about a job to our record. The terminal transition and its money rows happen exactly
// once: a compare-and-set on the state inside the transaction that writes them, whether a client GET, the sync
// worker or another replica sees the final status first.
import { Decimal } from 'decimal.js'
import type { Db } from '../db/client.ts'
import type { Job } from '../generated/prisma/client.ts'
import { charge, refund, type Movement } from '../ledger/money.ts'
import { countJob, rollupTarget } from '../ledger/rollup.ts'
import { isTerminal, stateForStatus } from './states.ts'
import { recordOwnership } from './media.ts'
import { announceJobEnd } from '../webhooks/job-events.ts'
import { mediaId, type TensorpixJob } from '../tensorpix/jobs.ts'
import type { Semantics } from '../account/semantics.ts'
import { semanticsForSettlement } from '../account/beliefs.ts'

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

// the states of a created job that is still running: the only ones a terminal status may end
const RUNNING: Job['state'][] = ['queued', 'processing']

// the clock first: comparing the snapshots is the costly part, and within the interval it is moot
function worthStoring (job: JobView, snapshot: TensorpixJob, state: Job['state'], now: Date): boolean {
  if (state !== job.state) return true
  if (job.lastSyncedAt && now.getTime() - job.lastSyncedAt.getTime() < SNAPSHOT_REFRESH_MS) return false
  return JSON.stringify(job.snapshot) !== JSON.stringify(snapshot)
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
    lastSyncedAt: now
  }
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
      data: { ...common, state, finishedAt: snapshot.finished ? new Date(snapshot.finished) : now, nextSyncAt: null }
    })
    if (won.count === 0) return await tx.job.findUniqueOrThrow({ where: { id: job.id } })
    const terminal = state as 'finished' | 'failed' | 'cancelled'
    // the money columns as the row has them (locked by the update above), not as the caller's view remembers them
    const row = await tx.job.findUniqueOrThrow({ where: { id: job.id } })
    const settlement = terminalSettlement(terminal, netCharged(row),
      new Decimal(snapshot.cost_usd ?? 0), await semanticsForSettlement(tx))
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
      await recordOwnership(tx, { teamId: row.teamId, kind: 'restored_video', upstreamId: output, jobId: row.id })
    }
    const ended = await tx.job.update({
      where: { id: job.id },
      data: { actualCost: actual.toFixed(4), refundedCost: refunded.toFixed(4) }
    })
    await announceJobEnd(tx, ended, settlement?.kind === 'charge')
    return ended
  })
}
