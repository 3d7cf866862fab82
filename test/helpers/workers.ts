// The background workers, run from the test instead of on their timers: a test decides when a pass happens, so
// what it asserts after a pass is what that pass did.
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import type { Db } from '../../src/db/client.ts'
import type { WorkerDeps } from '../../src/workers/deps.ts'
import { retryOverBudgetCancels } from '../../src/workers/over-budget-cancels.ts'
import { reconcileLostCreates } from '../../src/workers/reconcile.ts'
import { syncDueJobs } from '../../src/workers/status-sync.ts'
import type { Teardown } from './teardown.ts'
import { tensorpixClient } from './upstream.ts'

/** What a worker pass needs: the database, an upstream client of its own on the simulator, a silent log. */
export function workerDeps (t: Teardown, db: Db, sim: { url: string, token: string },
  options: { headersTimeoutMs?: number } = {}): WorkerDeps {
  const upstream = tensorpixClient(t, sim, {
    connections: 8,
    maxConcurrent: 16,
    maxQueueWaitMs: 30_000,
    connectTimeoutMs: 5000,
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    bodyTimeoutMs: 10_000
  })
  return { db, upstream, log: pino({ level: 'silent' }), now: () => new Date() }
}

const OPEN_STATES = ['pending', 'unknown', 'queued', 'processing'] as const

export interface SettleOptions { graceMs: number, stalePendingMs: number, timeoutMs?: number, width?: number }

/**
 * Runs worker passes until no job is pending, unknown, queued or processing (or the deadline passes): every pass
 * first makes the open jobs and pending over-budget cancels due, so the test does not wait out backoffs and leases.
 * Returns the open jobs left.
 */
export async function settleAll (deps: WorkerDeps, options: SettleOptions): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  for (;;) {
    await deps.db.$executeRaw`UPDATE jobs SET next_sync_at = now() - interval '1 second'
      WHERE state IN ('unknown', 'queued', 'processing')`
    await deps.db.$executeRaw`UPDATE jobs SET cancel_next_at = now() - interval '1 second'
      WHERE over_budget_cancel = 'pending'`
    await reconcileLostCreates(deps, options)
    await retryOverBudgetCancels(deps)
    // claims are disjoint (FOR UPDATE SKIP LOCKED + lease), so several passes can run side by side
    await Promise.all(Array.from({ length: options.width ?? 8 }, () => syncDueJobs(deps)))
    const open = await deps.db.job.count({ where: { state: { in: [...OPEN_STATES] } } })
    if (open === 0 || Date.now() > deadline) return open
    await sleep(200)
  }
}
