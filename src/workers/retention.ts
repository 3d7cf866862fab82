// Retention: for teams with retentionDays set, the enhanced videos of jobs that finished at least that many days
// ago are deleted at TensorPix (DELETE /api/restored-videos/{id}/), and the job (retention_deleted_at) and the
// ownership record (deleted_at) say so. Only a team's own setting selects its jobs, so nothing of a team without
// one is ever touched. Idempotent: a video already gone (404, or deleted by the team through the data plane) counts
// as deleted, and a job is done once retention_deleted_at is set.
//
// A finished job's next_sync_at serves as this worker's lease: replicas never delete the same job's videos at once.
// The status sync uses it while a finished job's output has not appeared (OUTPUT_WAIT_POLLS, about 75 minutes).
// That wait is not over just because finished_at (TensorPix's time) is old: a job first seen finished long after it
// finished still waits for its output, and closing it then would stop the sync asking. Such a job is skipped until
// its output appears or the sync gives up (next_sync_at null).
import type { WorkerDeps } from './deps.ts'

const BATCH = 20
const LEASE_SECONDS = 300

async function claimExpired (deps: WorkerDeps, now: Date): Promise<string[]> {
  const rows = await deps.db.$queryRaw<Array<{ id: string }>>`
    UPDATE jobs SET next_sync_at = ${now}::timestamptz + make_interval(secs => ${LEASE_SECONDS})
    WHERE id IN (
      SELECT j.id FROM jobs j JOIN teams t ON t.id = j.team_id
      WHERE t.retention_days IS NOT NULL
        AND j.state = 'finished'
        AND j.retention_deleted_at IS NULL
        AND j.finished_at <= ${now}::timestamptz - make_interval(days => t.retention_days)
        AND (j.next_sync_at IS NULL OR j.next_sync_at <= ${now}::timestamptz)
        AND (j.output_video_id IS NOT NULL OR j.next_sync_at IS NULL)
      ORDER BY j.finished_at
      LIMIT ${BATCH}
      FOR UPDATE OF j SKIP LOCKED)
    RETURNING id::text`
  return rows.map(r => r.id)
}

async function expireJob (deps: WorkerDeps, jobId: string, now: Date): Promise<number> {
  const outputs = await deps.db.mediaObject.findMany({ where: { jobId, kind: 'restored_video', deletedAt: null } })
  for (const output of outputs) {
    const res = await deps.upstream.deleteMedia('restored_video', output.upstreamId, { requestId: `retention-${jobId}` })
    if (!res.ok && res.status !== 404) throw new Error(`DELETE of enhanced video ${output.upstreamId} answered ${res.status}`)
    deps.polls?.forgetMedia('restored_video', output.upstreamId)
    await deps.db.mediaObject.update({ where: { id: output.id }, data: { deletedAt: now } })
  }
  await deps.db.job.update({ where: { id: jobId }, data: { retentionDeletedAt: now, nextSyncAt: null } })
  return outputs.length
}

/** One pass. Returns how many jobs' outputs were expired. */
export async function enforceRetention (deps: WorkerDeps): Promise<number> {
  const now = deps.now()
  const ids = await claimExpired(deps, now)
  let done = 0
  for (const id of ids) {
    await expireJob(deps, id, now)
      .then(deleted => {
        done++
        deps.log.info({ jobId: id, deleted }, 'retention: enhanced videos deleted')
      })
      .catch(err => deps.log.warn({ err, jobId: id }, 'retention failed; retrying after the lease'))
  }
  return done
}
