// The end of a job whose actual cost broke a hard budget: what TensorPix kept of it (its net charge, once the
// terminal status settled it) is the hard budget's overspend. Recorded on the job, which also decides its cancel
// (the end ends the retries), and announced as `budget.overspent` when anything was kept. Called inside the
// transaction of the terminal transition (applySnapshot), so it happens exactly once, with the money it explains.
import { Decimal } from 'decimal.js'
import type { Prisma } from '../db/client.ts'
import type { Job } from '../generated/prisma/client.ts'
import { formatCredits } from '../ledger/balance.ts'
import { readUsage } from '../ledger/usage.ts'
import { emitEvent } from '../webhooks/events.ts'

export async function recordOverBudgetEnd (tx: Prisma.TransactionClient, ended: Job): Promise<Job> {
  if (ended.overBudgetCancel === null) return ended
  const kept = new Decimal(ended.actualCost?.toString() ?? 0).minus(ended.refundedCost.toString())
  const recorded = await tx.job.update({
    where: { id: ended.id },
    data: {
      // a job that ended cancelled was stopped, by our DELETE or another's; one that finished or failed outran it
      overBudgetCancel: ended.state === 'cancelled' ? 'confirmed' : 'overtaken',
      cancelNextAt: null,
      overspentCredits: kept.toFixed(4)
    }
  })
  if (kept.gt(0)) await emitEvent(tx, ended.teamId, 'budget.overspent', await overspentData(tx, recorded, kept))
  return recorded
}

async function overspentData (tx: Prisma.TransactionClient, job: Job, kept: Decimal) {
  const team = await tx.team.findUniqueOrThrow({ where: { id: job.teamId } })
  const usage = await readUsage(tx, { teamId: job.teamId, periodStart: job.periodStart })
  const budget = new Decimal(team.budgetCredits.toString()).plus(usage.adjusted)
  const used = new Decimal(usage.charged).plus(usage.held)
  return {
    jobId: job.id,
    upstreamId: job.upstreamId,
    state: job.state,
    cancel: job.overBudgetCancel,
    overspent: formatCredits(kept),
    periodStart: job.periodStart.toISOString().slice(0, 10),
    budget: formatCredits(budget),
    charged: formatCredits(usage.charged),
    held: formatCredits(usage.held),
    overBudgetBy: formatCredits(Decimal.max(0, used.minus(budget)))
  }
}
