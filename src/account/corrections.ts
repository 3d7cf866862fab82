// The I/O side of the account's semantics: which failed and cancelled jobs ended since the account last agreed with
// the ledger, and the money that a plan (src/account/semantics.ts explainDrift) moves for them. Runs inside the
// account check's transaction, after lockSemantics, so no job settles meanwhile.
import { Decimal } from 'decimal.js'
import type { Prisma } from '../db/client.ts'
import { charge, refund } from '../ledger/money.ts'
import { rollupTarget } from '../ledger/rollup.ts'
import type { EndedJob, Plan } from './semantics.ts'

type Tx = Prisma.TransactionClient

const OUTSIDE = 'outside:'
const ZERO = new Decimal(0)

export const outsideKey = (upstreamId: number) => `${OUTSIDE}${upstreamId}`

/** A decimal cost_usd in a stored TensorPix body, or null. */
export function reportedCost (body: unknown): Decimal | null {
  const cost = body !== null && typeof body === 'object' ? (body as { cost_usd?: unknown }).cost_usd : undefined
  if (typeof cost !== 'string' && typeof cost !== 'number') return null
  try {
    const value = new Decimal(cost)
    return value.isFinite() ? value : null
  } catch {
    return null
  }
}

/** Our failed and cancelled jobs settled after `since`, and the outside ones that ended after it. */
export async function endedSince (tx: Tx, since: Date): Promise<EndedJob[]> {
  const ours = await tx.job.findMany({
    where: { state: { in: ['failed', 'cancelled'] }, lastSyncedAt: { gt: since } },
    select: { id: true, state: true, snapshot: true, responseBody: true }
  })
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
      createCost: reportedCost(job.responseBody),
      attributed: refunds.get(job.id) ?? ZERO
    })),
    ...outside.map(job => ({
      key: outsideKey(job.upstreamId),
      state: job.status === -1 ? 'failed' as const : 'cancelled' as const,
      cost: new Decimal(job.costUsd.toString()),
      createCost: null,
      attributed: new Decimal(job.attributed.toString())
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
