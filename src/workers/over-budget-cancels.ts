// Over-budget cancels: retries the DELETE of every job whose actual cost broke a hard budget until TensorPix
// confirms it, the job ends, or it is given up (src/jobs/over-budget.ts). Claimed one at a time with a lease that
// starts with its try, so replicas share the work and a cancel whose worker died is tried again; the DELETEs queue
// in the fair scheduler's background share like any other worker call, and a 429's Retry-After is honoured before
// the next try.
import { CANCEL_LEASE_MS, tryCancel } from '../jobs/over-budget.ts'
import { claimDueCancel } from './claim.ts'
import type { WorkerDeps } from './deps.ts'

// tries per pass, at most: the rest wait for the next pass
const BATCH = 20

/** One pass: claims due cancels one by one and tries each once. Returns how many TensorPix confirmed. */
export async function retryOverBudgetCancels (deps: WorkerDeps): Promise<number> {
  let confirmed = 0
  for (let tried = 0; tried < BATCH; tried++) {
    const cancel = await claimDueCancel(deps.db, CANCEL_LEASE_MS)
    if (!cancel) break
    const log = { jobId: cancel.id, attempts: cancel.attempts + 1 }
    try {
      const result = await tryCancel(deps, cancel, `cancel-${cancel.id}`)
      if (result === 'confirmed') confirmed++
      else if (result === 'retrying') deps.log.warn(log, 'over-budget cancel not confirmed yet; retrying')
      else if (result === 'abandoned') {
        deps.log.error(log, 'over-budget cancel given up: TensorPix refused it too often; the job runs on, charged')
      }
    } catch (err) {
      deps.log.warn({ err, ...log }, 'over-budget cancel failed; retrying after the lease')
    }
  }
  return confirmed
}
