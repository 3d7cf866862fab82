// The read path's memory of jobs (GET /api/jobs/{id}/ is polled by clients): which team owns an upstream job id,
// which never changes, and this replica's last view of the row, which may lag behind another replica or the sync
// worker. That lag is harmless by construction: applySnapshot compares-and-sets against the row, answers with
// the row when it lost, and takes money columns from the row, never from a view. So a warm poll reads nothing
// from the database, and writes only when the job changed (at most every SNAPSHOT_REFRESH_MS while it runs).
import type { Db } from '../db/client.ts'
import type { JobView } from './snapshot.ts'

const DEFAULT_MAX_ENTRIES = 10_000

function viewOf (job: JobView): JobView {
  const { id, teamId, upstreamId, state, snapshot, lastSyncedAt } = job
  return { id, teamId, upstreamId, state, snapshot, lastSyncedAt }
}

export class KnownJobs {
  // insertion order is recency of the last write: the oldest entry goes first when full
  private readonly views = new Map<number, JobView>()

  constructor (private readonly db: Db, private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  /** The team's job with that upstream id, or null: another team's job is as absent as a missing one. */
  async find (teamId: string, upstreamId: number): Promise<JobView | null> {
    const known = this.views.get(upstreamId)
    if (known) return known.teamId === teamId ? known : null
    const job = await this.db.job.findFirst({ where: { teamId, upstreamId } })
    if (!job) return null
    return this.remember(job)
  }

  /** Keeps what applySnapshot returned as this replica's view of the job. */
  remember (job: JobView): JobView {
    if (job.upstreamId === null) return job
    const view = viewOf(job)
    this.views.delete(job.upstreamId)
    if (this.views.size >= this.maxEntries) this.views.delete(this.views.keys().next().value as number)
    this.views.set(job.upstreamId, view)
    return view
  }

  get size (): number {
    return this.views.size
  }
}
