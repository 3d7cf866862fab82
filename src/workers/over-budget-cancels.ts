// Over-budget cancels: retries the DELETE of every job whose actual cost broke a hard budget until TensorPix
// confirms it or the job ends (src/jobs/over-budget.ts). Claimed with a lease, so replicas share the work and a
// cancel whose worker died is tried again; the DELETEs queue in the fair scheduler's background share like any
// other worker call, and a 429's Retry-After is honoured before the next try.
import { CANCEL_LEASE_MS, tryCancel } from '../jobs/over-budget.ts'
import { claimDueCancels } from './claim.ts'
import type { WorkerDeps } from './deps.ts'

const BATCH = 20

/** One pass: claims the due cancels and tries each once. Returns how many TensorPix confirmed. */
export async function retryOverBudgetCancels (deps: WorkerDeps): Promise<number> {
  const due = await claimDueCancels(deps.db, BATCH, CANCEL_LEASE_MS)
  let confirmed = 0
  for (const cancel of due) {
    try {
      if (await tryCancel(deps, cancel, `cancel-${cancel.id}`)) confirmed++
      else deps.log.warn({ jobId: cancel.id, attempts: cancel.attempts + 1 }, 'over-budget cancel not confirmed yet; retrying')
    } catch (err) {
      deps.log.warn({ err, jobId: cancel.id }, 'over-budget cancel failed; retrying after the lease')
    }
  }
  return confirmed
}
