// The 402 of a create whose actual cost broke a hard budget, as it stands: kept on the job for a replay under its
// Idempotency-Key and rewritten as the cancel goes on (src/jobs/over-budget.ts) and when the job ends
// (src/jobs/overspend.ts).
import type { Prisma } from '../db/client.ts'
import type { Job } from '../generated/prisma/client.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { formatCredits } from '../ledger/balance.ts'
import { tensorpixAnswer } from '../tensorpix/errors.ts'

/** How an over-budget job's cancel stands, as its 402 tells it. */
export type OverBudgetOutcome = 'pending' | 'cancelled' | 'ended' | 'abandoned'

/** The outcome a job's 402 tells: from the job's end when it ended, else from its cancel. Pure. */
export function overBudgetOutcome (job: Pick<Job, 'state' | 'overBudgetCancel'>): OverBudgetOutcome {
  if (job.state === 'cancelled') return 'cancelled'
  if (job.state === 'finished' || job.state === 'failed') return 'ended'
  if (job.overBudgetCancel === 'confirmed') return 'cancelled'
  return job.overBudgetCancel === 'abandoned' ? 'abandoned' : 'pending'
}

/**
 * The 402 of an over-budget create, and the job columns that keep it for a replay under its Idempotency-Key.
 * Written with the over-budget charge (settle), rewritten when the cancel is given up and by the job's end
 * (overspend.ts), so a replay tells the truth of the moment. `actualCost`: what the job was charged (which broke
 * the budget), a figure of the ledger's, so always readable.
 */
export function overBudgetAnswer (actualCost: Prisma.Decimal | string, outcome: OverBudgetOutcome) {
  const error = new GatewayError('job_over_budget', formatCredits(actualCost.toString()), outcome)
  const responseBody = tensorpixAnswer(error).body as Prisma.InputJsonValue
  return { error, record: { responseStatus: error.statusCode, responseBody } }
}
