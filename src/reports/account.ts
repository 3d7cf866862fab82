// The reconciliation report's account section: what the account checks saw over the range (src/workers/
// account-check.ts), the jobs outside the gateway, the money the checks moved, the top-ups and the beliefs.
import type { Db } from '../db/client.ts'
import type { AccountCheck } from '../generated/prisma/client.ts'
import { readBeliefs, type Belief } from '../account/beliefs.ts'
import { explainInterval, storedTotals } from '../account/explain.ts'
import { formatCredits } from '../ledger/balance.ts'
import type { DayRange } from './dates.ts'
import type { AccountSection } from './schemas.ts'

const MAX_DRIFTING = 500
const MAX_OUTSIDE = 1000

const credits = (value: { toString(): string }) => formatCredits(value.toString())

function checkView (check: AccountCheck): AccountSection['driftingChecks'][number] {
  return {
    id: check.id.toString(),
    checkedAt: check.checkedAt.toISOString(),
    balance: credits(check.balance),
    ledgerNet: credits(check.ledgerNet),
    outsideCost: credits(check.outsideCost),
    topUps: credits(check.topUps),
    intervalDrift: credits(check.intervalDrift),
    cumulativeDrift: credits(check.cumulativeDrift),
    createsInFlight: check.createsInFlight,
    listingComplete: check.listingComplete,
    alerted: check.alerted
  }
}

const beliefView = (belief: Belief) => ({ ...belief, observedAt: belief.observedAt.toISOString() })

/** The range as one interval: from the last check before it (else its first) to its last check. */
async function rangeInterval (db: Db, range: DayRange): Promise<AccountSection['interval']> {
  const inRange = { checkedAt: { gte: range.from, lt: range.to } }
  const last = await db.accountCheck.findFirst({ where: inRange, orderBy: { id: 'desc' } })
  if (!last) return null
  const before = await db.accountCheck.findFirst({ where: { checkedAt: { lt: range.from } }, orderBy: { id: 'desc' } }) ??
    await db.accountCheck.findFirst({ where: inRange, orderBy: { id: 'asc' } })
  const interval = explainInterval(before ? storedTotals(before) : null, storedTotals(last))
  return {
    balanceChange: formatCredits(interval.balanceChange),
    ledgerChange: formatCredits(interval.ledgerChange),
    outsideChange: formatCredits(interval.outsideChange),
    topUpChange: formatCredits(interval.topUpChange),
    drift: formatCredits(interval.drift)
  }
}

export async function accountSection (db: Db, range: DayRange): Promise<AccountSection> {
  const inRange = { gte: range.from, lt: range.to }
  const [beliefs, latest, checks, drifting, outside, corrections, topUps] = await Promise.all([
    readBeliefs(db),
    db.accountCheck.findFirst({ orderBy: { id: 'desc' } }),
    db.accountCheck.count({ where: { checkedAt: inRange } }),
    db.accountCheck.findMany({
      where: { checkedAt: inRange, OR: [{ intervalDrift: { not: 0 } }, { alerted: true }] },
      orderBy: { id: 'desc' },
      take: MAX_DRIFTING
    }),
    db.accountOutsideJob.findMany({ where: { firstSeenAt: inRange }, orderBy: { upstreamId: 'asc' }, take: MAX_OUTSIDE }),
    db.accountCorrection.findMany({ where: { createdAt: inRange }, orderBy: { id: 'asc' } }),
    db.accountTopUp.findMany({ where: { at: inRange }, orderBy: { at: 'asc' } })
  ])
  return {
    semantics: { failed: beliefView(beliefs.failed), cancelled: beliefView(beliefs.cancelled) },
    latest: latest ? checkView(latest) : null,
    checks,
    interval: await rangeInterval(db, range),
    driftingChecks: drifting.map(checkView),
    outsideJobs: outside.map(job => ({
      upstreamId: job.upstreamId,
      status: job.status,
      costUsd: credits(job.costUsd),
      counted: credits(job.counted),
      firstSeenAt: job.firstSeenAt.toISOString(),
      claimedAt: job.claimedAt?.toISOString() ?? null
    })),
    corrections: corrections.map(row => ({
      checkId: row.checkId.toString(),
      jobId: row.jobId,
      upstreamId: row.upstreamId,
      kind: row.kind as 'charge' | 'refund',
      amount: credits(row.amount),
      reason: row.reason,
      apportioned: row.apportioned,
      createdAt: row.createdAt.toISOString()
    })),
    topUps: topUps.map(row => ({ id: row.id, amount: credits(row.amount), at: row.at.toISOString(), note: row.note }))
  }
}
