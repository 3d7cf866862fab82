// Status sync: polls TensorPix for every job that is still running, with backoff while nothing changes, so that
// terminal statuses are recorded and settled even when no client ever asks again.
import { applySnapshot, nextSyncDelay } from '../jobs/snapshot.ts'
import { claimDueJobs } from './claim.ts'
import type { WorkerDeps } from './deps.ts'

const BATCH = 50

async function syncOne (deps: WorkerDeps, id: string): Promise<void> {
  const job = await deps.db.job.findUniqueOrThrow({ where: { id } })
  if (job.upstreamId === null) return
  const res = await deps.upstream.getJob(job.upstreamId, { requestId: `sync-${id}` })
  const now = deps.now()
  // an unanswered or unchanged poll waits longer before the next one
  const backoff = {
    syncAttempts: job.syncAttempts + 1, nextSyncAt: new Date(now.getTime() + nextSyncDelay(job.syncAttempts + 1))
  }
  if (!res.ok) {
    deps.log.warn({ jobId: id, status: res.status }, 'status sync: TensorPix did not return the job')
    await deps.db.job.updateMany({ where: { id, state: job.state }, data: backoff })
    return
  }
  const after = await applySnapshot(deps.db, job, res.body, now)
  if (after === job) {
    await deps.db.job.updateMany({ where: { id, state: job.state }, data: { ...backoff, lastSyncedAt: now } })
  }
}

/** One pass: claims due running jobs and syncs them. Returns how many were claimed. */
export async function syncDueJobs (deps: WorkerDeps): Promise<number> {
  const ids = await claimDueJobs(deps.db, ['queued', 'processing'], BATCH)
  for (const id of ids) {
    await syncOne(deps, id).catch(err => deps.log.warn({ err, jobId: id }, 'status sync failed; retrying after the lease'))
  }
  return ids.length
}
