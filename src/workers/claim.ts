// Work is claimed row by row with FOR UPDATE SKIP LOCKED and leased by moving next_sync_at (or cancel_next_at)
// forward, so any number of replicas can run the workers without two of them handling one job, and a job whose
// worker died is picked up again when its lease runs out.
import type { Db } from '../db/client.ts'
import type { JobState } from '../generated/prisma/enums.ts'
import type { PendingCancel } from '../jobs/over-budget.ts'

const LEASE_SECONDS = 60

export async function claimDueJobs (db: Db, states: JobState[], limit: number): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    UPDATE jobs SET next_sync_at = now() + make_interval(secs => ${LEASE_SECONDS})
    WHERE id IN (
      SELECT id FROM jobs
      WHERE state::text = ANY(${states}) AND next_sync_at <= now()
      ORDER BY next_sync_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id::text`
  return rows.map(r => r.id)
}

/** Pending over-budget cancels that are due, leased for `leaseMs` (src/jobs/over-budget.ts). */
export async function claimDueCancels (db: Db, limit: number, leaseMs: number): Promise<PendingCancel[]> {
  return db.$queryRaw<PendingCancel[]>`
    UPDATE jobs SET cancel_next_at = now() + make_interval(secs => ${leaseMs / 1000})
    WHERE id IN (
      SELECT id FROM jobs
      WHERE over_budget_cancel = 'pending' AND cancel_next_at <= now() AND upstream_id IS NOT NULL
      ORDER BY cancel_next_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id::text, upstream_id AS "upstreamId", cancel_attempts AS attempts, COALESCE(actual_cost::text, '0') AS cost`
}
