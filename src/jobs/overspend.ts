// The end of a job whose actual cost broke a hard budget. What TensorPix kept of it (its net charge, once the
// terminal status settled it) is charged to the team; the hard budget's overspend is the part of that which took
// the team's period past its budget: min(kept, max(0, charged − (budget + adjusted))), so a job cancelled early
// enough to leave the team within its budget overspent nothing. Recorded on the job, which also decides its cancel
// (the end ends the retries), rewrites the job's stored 402 to the final truth (a replay under its
// Idempotency-Key tells it), and is announced as `budget.overspent` when anything was overspent. Called inside the
// transaction of the terminal transition (applySnapshot), so it happens exactly once, with the money it explains.
import { Decimal } from 'decimal.js'
import type { Prisma } from '../db/client.ts'
import type { Job } from '../generated/prisma/client.ts'
import { formatCredits } from '../ledger/balance.ts'
import { readUsage } from '../ledger/usage.ts'
import { emitEvent } from '../webhooks/events.ts'
import { overBudgetAnswer, overBudgetOutcome } from './over-budget-answer.ts'

export async function recordOverBudgetEnd (tx: Prisma.TransactionClient, ended: Job): Promise<Job> {
  if (ended.overBudgetCancel === null) return ended
  const kept = new Decimal(ended.actualCost?.toString() ?? 0).minus(ended.refundedCost.toString())
  const period = await periodFigures(tx, ended)
  const overspent = overspendOf(kept, period.charged, period.budget)
  const recorded = await tx.job.update({
    where: { id: ended.id },
    data: {
      // a job that ended cancelled was stopped, by our DELETE or another's; one that finished or failed outran it;
      // a cancel given up stays so (nobody confirmed it)
      overBudgetCancel: ended.overBudgetCancel === 'abandoned'
        ? 'abandoned'
        : ended.state === 'cancelled' ? 'confirmed' : 'overtaken',
      cancelNextAt: null,
      overspentCredits: overspent.toFixed(4),
      ...overBudgetAnswer(ended.actualCost ?? '0', overBudgetOutcome(ended)).record
    }
  })
  if (overspent.gt(0)) {
    await emitEvent(tx, ended.teamId, 'budget.overspent', overspentData(recorded, kept, overspent, period))
  }
  return recorded
}

/** How far a job that TensorPix kept `kept` of took its team's period past the budget. Pure. */
export function overspendOf (kept: Decimal.Value, charged: Decimal.Value, budget: Decimal.Value): Decimal {
  return Decimal.max(0, Decimal.min(kept, new Decimal(charged).minus(budget)))
}

interface PeriodFigures { budget: Decimal, charged: Decimal, held: Decimal }

// the period's figures with this job's end settled: budget = the team's credits + the period's adjustments
async function periodFigures (tx: Prisma.TransactionClient, job: Job): Promise<PeriodFigures> {
  const team = await tx.team.findUniqueOrThrow({ where: { id: job.teamId } })
  const usage = await readUsage(tx, { teamId: job.teamId, periodStart: job.periodStart })
  return {
    budget: new Decimal(team.budgetCredits.toString()).plus(usage.adjusted),
    charged: new Decimal(usage.charged),
    held: new Decimal(usage.held)
  }
}

function overspentData (job: Job, kept: Decimal, overspent: Decimal, period: PeriodFigures) {
  return {
    jobId: job.id,
    upstreamId: job.upstreamId,
    state: job.state,
    cancel: job.overBudgetCancel,
    overspent: formatCredits(overspent),
    kept: formatCredits(kept),
    periodStart: job.periodStart.toISOString().slice(0, 10),
    budget: formatCredits(period.budget),
    charged: formatCredits(period.charged),
    held: formatCredits(period.held),
    overBudgetBy: formatCredits(Decimal.max(0, period.charged.plus(period.held).minus(period.budget)))
  }
}
