// Pure views of a job: the search row, its timeline (what the row's timestamps and its ledger rows tell), and the
// keyset of the newest-first search. No I/O.
import { displayPrefix } from '../../auth/key-format.ts'
import type { Job, LedgerEntry } from '../../generated/prisma/client.ts'
import { isTerminal } from '../../jobs/states.ts'
import { netCharged } from '../../jobs/snapshot.ts'
import type { JobView, TimelineEvent, TimelineKind } from './schemas.ts'
import { creditsOut } from '../credits.ts'
import { invalid } from '../../errors/problems.ts'

export type JobRow = Job & { team: { slug: string, name: string }, apiKey: { name: string, publicId: string } }

const iso = (date: Date | null) => date?.toISOString() ?? null

export function jobView (row: JobRow): JobView {
  return {
    id: row.id,
    teamSlug: row.team.slug,
    teamName: row.team.name,
    keyId: row.apiKeyId,
    keyName: row.apiKey.name,
    keyPrefix: displayPrefix(row.apiKey.publicId),
    upstreamId: row.upstreamId,
    source: row.source,
    state: row.state,
    preview: row.preview,
    mlModels: row.mlModels,
    estimatedCost: creditsOut(row.estimatedCost),
    actualCost: row.actualCost === null ? null : creditsOut(row.actualCost),
    refundedCost: creditsOut(row.refundedCost),
    netCost: creditsOut(netCharged(row)),
    progress: row.progress,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    submittedAt: iso(row.submittedAt),
    lastSyncedAt: iso(row.lastSyncedAt),
    finishedAt: iso(row.finishedAt),
    overBudgetCancel: row.overBudgetCancel === null
      ? null
      : {
          state: row.overBudgetCancel,
          attempts: row.cancelAttempts,
          nextAttemptAt: iso(row.cancelNextAt),
          lastError: row.cancelError,
          overspent: row.overspentCredits === null ? null : creditsOut(row.overspentCredits)
        }
  }
}

const RUNNING: Partial<Record<Job['state'], string>> = {
  unknown: 'TensorPix did not answer the create; reconciliation looks the job up and settles it',
  queued: 'Last seen queued at TensorPix',
  processing: 'Last seen processing at TensorPix',
  vanished: 'TensorPix answers 404 for the job: no longer counted as active, its charge kept for an operator to check'
}

/** `settledAt`: when the create's settlement was done (or the create's own time without one). */
function statusEvent (job: Job, settledAt: Date): TimelineEvent | null {
  const running = RUNNING[job.state]
  if (running) {
    const progress = job.state === 'processing' && job.progress !== null ? ` (${Math.round(job.progress * 100)} %)` : ''
    const at = job.lastSyncedAt ?? settledAt
    return { at: at.toISOString(), kind: 'status', description: `${running}${progress}`, amount: null, ledgerId: null }
  }
  if (job.finishedAt === null || job.state === 'pending') return null
  const reason = job.error ? `: ${job.error}` : ''
  const description = {
    finished: 'Finished at TensorPix',
    failed: `Failed at TensorPix${reason}`,
    cancelled: `Cancelled${reason}`,
    rejected: `TensorPix refused the create${reason}`
  }[job.state as 'finished' | 'failed' | 'cancelled' | 'rejected']
  // when the gateway recorded it (TensorPix's own finish time is the job's finishedAt, on TensorPix's clock)
  const at = job.lastSyncedAt ?? job.finishedAt
  return { at: at.toISOString(), kind: job.state as TimelineKind, description, amount: null, ledgerId: null }
}

function ledgerEvent (row: LedgerEntry): TimelineEvent {
  return {
    at: row.createdAt.toISOString(),
    kind: row.kind,
    description: row.reason,
    amount: creditsOut(row.amount),
    ledgerId: row.id.toString()
  }
}

/**
 * The ledger rows of a job split by when they were written: the create's holds, the settlement of the create, and
 * what the terminal status moved (written with the terminal state, which stamps lastSyncedAt just before its rows).
 */
function ledgerPhases (job: Job, ledger: readonly LedgerEntry[]) {
  const firstNonHold = ledger.findIndex(row => row.kind !== 'hold')
  if (firstNonHold === -1) return { holds: [...ledger], settlement: [], later: [] }
  const terminalAt = isTerminal(job.state) ? job.lastSyncedAt : null
  const rest = ledger.slice(firstNonHold)
  const split = terminalAt === null ? -1 : rest.findIndex(row => row.createdAt >= terminalAt)
  const end = split === -1 ? rest.length : split
  return { holds: ledger.slice(0, firstNonHold), settlement: rest.slice(0, end), later: rest.slice(end) }
}

/**
 * The job's story in the order the gateway lived it: created, hold, submitted, the create's settlement, the last
 * known or terminal status, then the money that status moved. Ledger rows must come in id order (the order they
 * were written). Every time is the gateway's own.
 */
export function jobTimeline (job: JobRow, ledger: readonly LedgerEntry[]): TimelineEvent[] {
  const phases = ledgerPhases(job, ledger)
  const events: TimelineEvent[] = [{
    at: job.createdAt.toISOString(),
    kind: 'created',
    description: `Created (${job.source}) with key ${job.apiKey.name} (${displayPrefix(job.apiKey.publicId)})`,
    amount: null,
    ledgerId: null
  }, ...phases.holds.map(ledgerEvent)]
  // the settlement is written when TensorPix's answer is recorded; submittedAt is taken when the request came in
  const answeredAt = phases.settlement[0]?.createdAt ??
    (job.submittedAt && job.submittedAt > job.createdAt ? job.submittedAt : job.createdAt)
  if (job.submittedAt && job.upstreamId !== null) {
    events.push({
      at: answeredAt.toISOString(),
      kind: 'submitted',
      description: `Submitted to TensorPix as job ${job.upstreamId}`,
      amount: null,
      ledgerId: null
    })
  }
  events.push(...phases.settlement.map(ledgerEvent))
  const status = statusEvent(job, phases.settlement.at(-1)?.createdAt ?? answeredAt)
  if (status) events.push(status)
  events.push(...phases.later.map(ledgerEvent))
  return events
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The search's sort key: creation time, then id (several jobs can share a millisecond). */
export function jobSortKey (job: { createdAt: Date, id: string }): string {
  return `${job.createdAt.toISOString()} ${job.id}`
}

// what toISOString writes for a year PostgreSQL's timestamp can hold; the round trip below refuses 2026-02-30
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** A sort key as jobSortKey wrote it; anything else (an impossible date, one out of range) is a 400. */
export function parseJobSortKey (key: string): { createdAt: Date, id: string } {
  const [at = '', id, ...rest] = key.split(' ')
  const createdAt = new Date(at)
  const canonical = ISO_INSTANT.test(at) && !Number.isNaN(createdAt.getTime()) && createdAt.toISOString() === at
  if (rest.length > 0 || id === undefined || !UUID.test(id) || !canonical) {
    throw invalid([{ field: 'query.cursor', message: 'is not a cursor returned by this API' }])
  }
  return { createdAt, id }
}
