// Status sync: polls TensorPix for every job that is still running, with backoff while nothing changes, so that
// terminal statuses are recorded and settled even when no client ever asks again. It also asks after a finished
// job whose output has not appeared yet (OUTPUT_WAIT_POLLS times), and after a job TensorPix answers 404 for
// (src/jobs/vanished.ts). It shares this replica's memory of job reads with the data plane (src/jobs/polls.ts): a
// client's read counts as its poll, and its own reads answer the clients' polls.
import type { Job } from '../generated/prisma/client.ts'
import { applySnapshot, nextSyncDelay, OUTPUT_WAIT_POLLS } from '../jobs/snapshot.ts'
import { countNotFound, vanishedNote } from '../jobs/vanished.ts'
import { claimDueSyncs } from './claim.ts'
import type { WorkerDeps } from './deps.ts'

const BATCH = 50

/** The next poll after one that told nothing new: later each time; for a finished job, a bounded number of them. */
function backoff (job: Job, now: Date) {
  const syncAttempts = job.syncAttempts + 1
  const givenUp = job.state === 'finished' && syncAttempts >= OUTPUT_WAIT_POLLS
  return { syncAttempts, nextSyncAt: givenUp ? null : new Date(now.getTime() + nextSyncDelay(syncAttempts)) }
}

/** A 404 for a created job that has not ended: counted, and after enough of them the job is set aside. */
async function notFound (deps: WorkerDeps, job: Job, now: Date): Promise<void> {
  const count = countNotFound(job, now)
  const counted = { notFoundPolls: count.notFoundPolls, notFoundSince: count.notFoundSince }
  const next = job.state === 'vanished' || count.vanishes ? { nextSyncAt: count.vanishedPollAt } : backoff(job, now)
  const setAside = count.vanishes ? { state: 'vanished' as const, error: vanishedNote(count) } : {}
  const stored = await deps.db.job.updateMany({
    where: { id: job.id, state: job.state }, data: { ...counted, ...next, ...setAside }
  })
  if (count.vanishes && stored.count === 1) {
    const { id: jobId, teamId, upstreamId } = job
    deps.log.error({ jobId, teamId, upstreamId, charged: job.actualCost?.toString() },
      'status sync: TensorPix no longer finds the job; set aside as vanished, its charge kept for an operator')
  }
}

/**
 * Whether this replica's clients read the job from TensorPix after its record was last synced, recently enough to
 * stand for this poll: that read was applied as this poll's would be (a terminal status settled), so the next poll
 * is one interval after it, as after a poll of the sync's own that found nothing new.
 */
async function readByClients (deps: WorkerDeps, job: Job, now: Date): Promise<boolean> {
  // while 404s are being counted the sync reads for itself: only its own answer ends the run (resets the count),
  // and a skipped poll that left the count standing would let 404s that were not consecutive set the job aside
  if (job.notFoundPolls > 0) return false
  const readAt = job.upstreamId === null ? null : deps.polls?.lastReadAt(job.upstreamId) ?? null
  if (readAt === null || readAt <= (job.lastSyncedAt?.getTime() ?? 0)) return false
  const next = readAt + nextSyncDelay(job.syncAttempts)
  if (next <= now.getTime()) return false
  await deps.db.job.updateMany({ where: { id: job.id, state: job.state }, data: { nextSyncAt: new Date(next) } })
  return true
}

async function syncOne (deps: WorkerDeps, id: string): Promise<void> {
  const job = await deps.db.job.findUniqueOrThrow({ where: { id } })
  if (job.upstreamId === null) return
  const readAt = deps.now()
  if (await readByClients(deps, job, readAt)) return
  const res = await deps.upstream.getJob(job.upstreamId, { requestId: `sync-${id}` })
  const now = deps.now()
  if (res.status === 404 && job.state !== 'finished') return await notFound(deps, job, now)
  if (!res.ok) {
    deps.log.warn({ jobId: id, status: res.status }, 'status sync: TensorPix did not return the job')
    await deps.db.job.updateMany({ where: { id, state: job.state }, data: backoff(job, now) })
    return
  }
  const after = await applySnapshot(deps.db, job, res.body, now)
  // applied: from now on this replica's polls of the job may be answered with it
  deps.polls?.record(job.upstreamId, res, readAt.getTime())
  if (after === job) {
    await deps.db.job.updateMany({
      where: { id, state: job.state },
      data: { ...backoff(job, now), lastSyncedAt: now, notFoundPolls: 0, notFoundSince: null }
    })
  }
}

/** One pass: claims the due jobs and syncs them. Returns how many were claimed. */
export async function syncDueJobs (deps: WorkerDeps): Promise<number> {
  const ids = await claimDueSyncs(deps.db, BATCH)
  for (const id of ids) {
    await syncOne(deps, id).catch(err => deps.log.warn({ err, jobId: id }, 'status sync failed; retrying after the lease'))
  }
  return ids.length
}
