// Work is claimed row by row with FOR UPDATE SKIP LOCKED and leased by moving next_sync_at (or cancel_next_at)
// forward, so any number of replicas can run the workers without two of them handling one job, and a job whose
// worker died is picked up again when its lease runs out.
import { Prisma, type Db } from '../db/client.ts'
import type { JobState } from '../generated/prisma/enums.ts'
import type { PendingCancel } from '../jobs/over-budget.ts'

const LEASE_SECONDS = 60

async function claimDue (db: Db, which: Prisma.Sql, limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    UPDATE jobs SET next_sync_at = now() + make_interval(secs => ${LEASE_SECONDS})
    WHERE id IN (
      SELECT id FROM jobs
      WHERE (${which}) AND next_sync_at <= now()
      ORDER BY next_sync_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id::text`
  return rows.map(r => r.id)
}

export function claimDueJobs (db: Db, states: JobState[], limit: number): Promise<string[]> {
  return claimDue(db, Prisma.sql`state::text = ANY(${states})`, limit)
}

/**
 * The status sync's work: running and vanished jobs, and finished ones whose output has not appeared (a finished
 * job's next_sync_at is otherwise the retention worker's lease, which only ever takes jobs with an output or
 * without one long after the sync stopped asking).
 */
export function claimDueSyncs (db: Db, limit: number): Promise<string[]> {
  return claimDue(db, Prisma.sql`state IN ('queued', 'processing', 'vanished')
    OR (state = 'finished' AND output_video_id IS NULL)`, limit)
}

/**
 * The most overdue pending over-budget cancel, leased for `leaseMs` from now (src/jobs/over-budget.ts): one at a
 * time, so that the lease starts when its try does.
 */
export async function claimDueCancel (db: Db, leaseMs: number): Promise<PendingCancel | null> {
  const [claimed] = await db.$queryRaw<PendingCancel[]>`
    UPDATE jobs SET cancel_next_at = now() + make_interval(secs => ${leaseMs / 1000})
    WHERE id IN (
      SELECT id FROM jobs
      WHERE over_budget_cancel = 'pending' AND cancel_next_at <= now() AND upstream_id IS NOT NULL
      ORDER BY cancel_next_at
      LIMIT 1
      FOR UPDATE SKIP LOCKED)
    RETURNING id::text, upstream_id AS "upstreamId", cancel_attempts AS attempts`
  return claimed ?? null
}
