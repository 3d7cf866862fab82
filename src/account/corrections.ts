// The I/O side of the account's semantics: which failed and cancelled jobs ended since the account last agreed with
// the ledger, and the money that a plan (src/account/semantics.ts explainDrift) moves for them. Runs inside the
// account check's transaction, after lockSemantics, so no job settles meanwhile.
import { Decimal } from 'decimal.js'
import type { Prisma } from '../db/client.ts'
import { netCharged } from '../jobs/snapshot.ts'
import { readCredits } from '../ledger/balance.ts'
import { charge, refund } from '../ledger/money.ts'
import { rollupTarget } from '../ledger/rollup.ts'
import type { EndedJob, Plan } from './semantics.ts'

type Tx = Prisma.TransactionClient
type Stored = { toString(): string }

const OUTSIDE = 'outside:'
const ZERO = new Decimal(0)

export const outsideKey = (upstreamId: number) => `${OUTSIDE}${upstreamId}`

/**
 * The cost_usd of a stored TensorPix body read as settlement reads it (readCredits: a non-negative decimal string),
 * or null: a negative or numeric cost never becomes a refund here either.
 */
export function reportedCost (body: unknown): Decimal | null {
  return readCredits(body !== null && typeof body === 'object' ? (body as { cost_usd?: unknown }).cost_usd : undefined)
}

/**
 * What the create cost: its 201's cost_usd; an over-budget create stores its 402 as the answer, so its create cost
 * is what it was charged (actualCost).
 */
function createCost (job: { responseStatus: number | null, responseBody: unknown, actualCost: Stored | null }) {
  if (job.responseStatus === 402) return job.actualCost === null ? null : new Decimal(job.actualCost.toString())
  return reportedCost(job.responseBody)
}

const ENDED_FIELDS = {
  id: true,
  state: true,
  snapshot: true,
  responseStatus: true,
  responseBody: true,
  actualCost: true,
  refundedCost: true,
  lastSyncedAt: true
} as const

/**
 * Our failed and cancelled jobs settled after `since`, and the outside ones that ended after it; those that ended
 * by `driftIntervalEnd` are in the interval the drift appeared in.
 */
export async function endedSince (tx: Tx, since: Date, driftIntervalEnd: Date | null): Promise<EndedJob[]> {
  const ours = await tx.job.findMany({
    where: { state: { in: ['failed', 'cancelled'] }, lastSyncedAt: { gt: since } },
    select: ENDED_FIELDS
  })
  const inDriftInterval = (at: Date | null) => driftIntervalEnd !== null && at !== null && at <= driftIntervalEnd
  const refunds = new Map((await tx.accountCorrection.groupBy({
    by: ['jobId'], where: { jobId: { in: ours.map(j => j.id) }, kind: 'refund' }, _sum: { amount: true }
  })).map(r => [r.jobId as string, new Decimal(r._sum.amount?.toString() ?? 0)]))
  const outside = await tx.accountOutsideJob.findMany({
    where: { status: { in: [-1, -2] }, endedAt: { gt: since }, claimedAt: null }
  })
  return [
    ...ours.map(job => ({
      key: job.id,
      state: job.state as EndedJob['state'],
      cost: reportedCost(job.snapshot) ?? ZERO,
      createCost: createCost(job),
      charged: netCharged(job),
      attributed: refunds.get(job.id) ?? ZERO,
      inDriftInterval: inDriftInterval(job.lastSyncedAt)
    })),
    ...outside.map(job => ({
      key: outsideKey(job.upstreamId),
      state: job.status === -1 ? 'failed' as const : 'cancelled' as const,
      cost: new Decimal(job.costUsd.toString()),
      createCost: null,
      charged: new Decimal(job.counted.toString()),
      attributed: new Decimal(job.attributed.toString()),
      inDriftInterval: inDriftInterval(job.endedAt)
    }))
  ]
}

/**
 * Moves a plan's money: a gateway job gets a charge or refund ledger row (and its money columns follow), an outside
 * job's counted cost changes; each movement is also an account_corrections row of the check.
 */
export async function applyPlan (tx: Tx, checkId: bigint, plan: Plan): Promise<void> {
  for (const change of plan.changes) {
    const kind = change.amount.gt(0) ? 'charge' : 'refund'
    const amount = change.amount.abs()
    const row = { checkId, kind, amount: amount.toFixed(4), reason: change.reason, apportioned: change.apportioned }
    if (change.key.startsWith(OUTSIDE)) {
      const upstreamId = Number(change.key.slice(OUTSIDE.length))
      await tx.accountOutsideJob.update({
        where: { upstreamId },
        data: {
          counted: { increment: change.amount.toFixed(4) },
          ...(kind === 'refund' ? { attributed: { increment: amount.toFixed(4) } } : {})
        }
      })
      await tx.accountCorrection.create({ data: { ...row, upstreamId } })
      continue
    }
    const job = await tx.job.findUniqueOrThrow({ where: { id: change.key } })
    const movement = {
      ...rollupTarget(job), periodStart: job.periodStart, jobId: job.id, amount, reason: change.reason
    }
    if (kind === 'charge') {
      await charge(tx, movement)
      const actual = new Decimal(job.actualCost?.toString() ?? 0).plus(amount)
      await tx.job.update({ where: { id: job.id }, data: { actualCost: actual.toFixed(4) } })
    } else {
      await refund(tx, movement)
      await tx.job.update({ where: { id: job.id }, data: { refundedCost: { increment: amount.toFixed(4) } } })
    }
    await tx.accountCorrection.create({ data: { ...row, jobId: job.id, upstreamId: job.upstreamId } })
  }
}
