// The I/O side of the account's semantics: which failed and cancelled jobs ended since the account last agreed with
// the ledger, and the money that a plan (src/account/semantics.ts explainDrift) moves for them. Runs inside the
// account check's transaction, after lockSemantics, so no job settles meanwhile.
import { Decimal } from 'decimal.js'
import type { Prisma } from '../db/client.ts'
import { createCost, measuredCost, netCharged, reportedCost } from '../jobs/snapshot.ts'
import { charge, refund } from '../ledger/money.ts'
import { rollupTarget } from '../ledger/rollup.ts'
import type { EndedJob, Plan } from './semantics.ts'

type Tx = Prisma.TransactionClient

const OUTSIDE = 'outside:'
const ZERO = new Decimal(0)

export const outsideKey = (upstreamId: number) => `${OUTSIDE}${upstreamId}`
/** Whether a plan's change is an outside job's (its counted cost moves, not a ledger row). */
export const isOutsideKey = (key: string) => key.startsWith(OUTSIDE)

const ENDED_FIELDS = {
  id: true,
  state: true,
  snapshot: true,
  responseStatus: true,
  responseBody: true,
  actualCost: true,
  refundedCost: true,
  cancelRefundMeasured: true,
  accountCheckId: true
} as const

/** A check, as endedSince places jobs by it. */
export interface CheckMark { id: bigint, checkedAt: Date }

/**
 * Our failed and cancelled jobs that no check had counted by `lastAgreed` (a job is stamped with the first check
 * whose totals include its end: stampEnded), and the outside ones that ended after it; those counted first by
 * `origin`, the check the drift appeared at, are in the interval the drift appeared in.
 */
export async function endedSince (tx: Tx, lastAgreed: CheckMark | null, origin: CheckMark | null): Promise<EndedJob[]> {
  const ours = await tx.job.findMany({
    where: {
      state: { in: ['failed', 'cancelled'] },
      OR: [{ accountCheckId: null }, { accountCheckId: { gt: lastAgreed?.id ?? 0n } }]
    },
    select: ENDED_FIELDS
  })
  const since = lastAgreed?.checkedAt ?? new Date(0)
  const inDriftInterval = (at: Date | null) => origin !== null && at !== null && at <= origin.checkedAt
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
      inDriftInterval: origin !== null && job.accountCheckId === origin.id,
      measured: job.state === 'cancelled' && measuredCost(job, reportedCost(job.snapshot)) !== null
    })),
    ...outside.map(job => ({
      key: outsideKey(job.upstreamId),
      state: job.status === -1 ? 'failed' as const : 'cancelled' as const,
      cost: new Decimal(job.costUsd.toString()),
      createCost: null,
      charged: new Decimal(job.counted.toString()),
      attributed: new Decimal(job.attributed.toString()),
      inDriftInterval: inDriftInterval(job.endedAt),
      measured: false
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
    if (isOutsideKey(change.key)) {
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

/**
 * Stamps the ended jobs no check had counted with `checkId`, whose totals (read in the same transaction, under the
 * semantics lock that keeps settlements out) include them.
 */
export async function stampEnded (tx: Tx, checkId: bigint): Promise<void> {
  await tx.job.updateMany({
    where: { state: { in: ['failed', 'cancelled'] }, accountCheckId: null }, data: { accountCheckId: checkId }
  })
}
