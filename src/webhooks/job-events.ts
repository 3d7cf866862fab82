// The events of a job's terminal transition: job.finished / job.failed / job.cancelled with the job as the data
// plane knows it, then — when the transition charged more — the budget check (a refund can cross no threshold).
// Called inside the transaction that made the transition (src/jobs/snapshot.ts applySnapshot), after the job row has
// its final figures.
import { Decimal } from 'decimal.js'
import type { Prisma } from '../db/client.ts'
import type { Job } from '../generated/prisma/client.ts'
import { formatCredits } from '../ledger/balance.ts'
import { raiseBudgetAlertsFor } from './budget-alerts.ts'
import { emitEvent, type WebhookEventType } from './events.ts'

// TensorPix's integer job status for each terminal state
const ENDINGS: Partial<Record<Job['state'], { type: WebhookEventType, status: number }>> = {
  finished: { type: 'job.finished', status: 2 },
  failed: { type: 'job.failed', status: -1 },
  cancelled: { type: 'job.cancelled', status: -2 }
}

/**
 * The `data` of a job event. `upstreamId` is the `id` the data plane answers; `cost` is what the team was charged
 * net.
 */
export function jobEventData (job: Job, status: number): Record<string, unknown> {
  return {
    jobId: job.id,
    upstreamId: job.upstreamId,
    status,
    state: job.state,
    cost: formatCredits(new Decimal(job.actualCost?.toString() ?? 0).minus(job.refundedCost.toString())),
    outputVideoId: job.outputVideoId,
    apiKeyId: job.apiKeyId,
    mlModels: job.mlModels,
    preview: job.preview,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null
  }
}

export async function announceJobEnd (tx: Prisma.TransactionClient, job: Job, charged: boolean): Promise<void> {
  const ending = ENDINGS[job.state]
  if (!ending) return
  await emitEvent(tx, job.teamId, ending.type, jobEventData(job, ending.status))
  if (charged) await raiseBudgetAlertsFor(tx, job.teamId, job.periodStart)
}
