// Reconciliation: per job created in the range, the ledger's net (Σ charge − Σ refund) against what TensorPix's
// own figures imply the job costs (the rule the status sync settles by: settledCost in src/jobs/snapshot.ts, under
// the account's semantics, less the cancel refunds the account check attributed from the balance). Zero
// drift is the expected answer; every job that differs is listed. Jobs are read in batches, so a long range holds
// one batch and the per-team sums in memory.
import { Decimal } from 'decimal.js'
import type { Db } from '../db/client.ts'
import type { JobState } from '../generated/prisma/enums.ts'
import { formatCredits } from '../ledger/balance.ts'
import { createCost, measuredCost, reportedCost, settledCost } from '../jobs/snapshot.ts'
import type { Semantics } from '../account/semantics.ts'
import { readSemantics } from '../account/beliefs.ts'
import { isoDay, type DayRange } from './dates.ts'
import { accountSection } from './account.ts'
import type { DriftJob, ReconciliationReport } from './schemas.ts'

const BATCH = 5000
const ZERO = new Decimal(0)

/**
 * What TensorPix's figures imply a job costs the team: a terminal job its settled cost under the semantics
 * (finished and cancelled: the reported cost_usd, a cancel less the refund attributed to it from the balance;
 * failed: nothing when failures are refunded); a running or vanished job the latest cost TensorPix reported (its
 * last snapshot, else the create answer; an over-budget job keeps its 402 instead, so the cost settle recorded as
 * its actual cost); a job TensorPix never acknowledged (pending, unknown, rejected) nothing. Null when the figures
 * do not say: an ended job without a readable cost, whose charge the sync kept (a refunded failure costs nothing).
 */
export function impliedCost (
  job: ImpliedCostInput,
  semantics: Semantics,
  attributedRefund: Decimal = ZERO
): Decimal | null {
  switch (job.state) {
    case 'finished':
    case 'failed':
    case 'cancelled': {
      const reported = reportedCost(job.snapshot)
      const measured = job.state === 'cancelled' ? measuredCost(job, reported) : null
      if (measured !== null) return measured
      if (reported === null) return job.state === 'failed' && semantics.failed === 'refunded' ? ZERO : null
      const settled = settledCost(job.state, reported, semantics)
      return job.state === 'cancelled' ? settled.minus(attributedRefund) : settled
    }
    case 'queued':
    case 'processing':
    case 'vanished':
      return reportedCost(job.snapshot) ?? createCost(job) ?? ZERO
    default:
      return ZERO
  }
}

export interface ImpliedCostInput {
  state: JobState
  snapshot: unknown
  responseStatus: number | null
  responseBody: unknown
  actualCost: Decimal.Value | null
  cancelRefundMeasured: Decimal.Value | null
}

interface TeamSums { team: string, ledgerNet: Decimal, upstreamCost: Decimal, jobs: DriftJob[] }

const figures = (ledgerNet: Decimal, upstreamCost: Decimal) => ({
  ledgerNet: formatCredits(ledgerNet),
  upstreamCost: formatCredits(upstreamCost),
  drift: formatCredits(ledgerNet.minus(upstreamCost))
})

async function ledgerNets (db: Db, jobIds: string[]): Promise<Map<string, Decimal>> {
  const sums = await db.ledgerEntry.groupBy({
    by: ['jobId', 'kind'], where: { jobId: { in: jobIds }, kind: { in: ['charge', 'refund'] } }, _sum: { amount: true }
  })
  const nets = new Map<string, Decimal>()
  for (const s of sums) {
    const amount = new Decimal(s._sum.amount?.toString() ?? 0)
    const id = s.jobId as string
    nets.set(id, (nets.get(id) ?? ZERO)[s.kind === 'charge' ? 'plus' : 'minus'](amount))
  }
  return nets
}

/** Per cancelled job, the refunds the account check attributed to it from the balance ('gross' cancel reports). */
async function attributedRefunds (db: Db, jobIds: string[]): Promise<Map<string, Decimal>> {
  const rows = await db.accountCorrection.groupBy({
    by: ['jobId'], where: { jobId: { in: jobIds }, kind: 'refund' }, _sum: { amount: true }
  })
  return new Map(rows.map(r => [r.jobId as string, new Decimal(r._sum.amount?.toString() ?? 0)]))
}

export async function reconciliationReport (db: Db, range: DayRange): Promise<ReconciliationReport> {
  const teams = new Map<string, TeamSums>()
  const semantics = await readSemantics(db)
  const slugs = new Map((await db.team.findMany({ select: { id: true, slug: true } })).map(t => [t.id, t.slug]))
  let cursor: string | undefined
  for (;;) {
    const jobs = await db.job.findMany({
      where: { createdAt: { gte: range.from, lt: range.to } },
      select: {
        id: true,
        teamId: true,
        upstreamId: true,
        state: true,
        snapshot: true,
        responseStatus: true,
        responseBody: true,
        actualCost: true,
        cancelRefundMeasured: true
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: BATCH,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {})
    })
    if (jobs.length === 0) break
    const nets = await ledgerNets(db, jobs.map(j => j.id))
    const attributed = await attributedRefunds(db, jobs.filter(j => j.state === 'cancelled').map(j => j.id))
    for (const job of jobs) {
      const team = slugs.get(job.teamId) ?? job.teamId
      const sums = teams.get(team) ?? { team, ledgerNet: ZERO, upstreamCost: ZERO, jobs: [] }
      const ledgerNet = nets.get(job.id) ?? ZERO
      const implied = impliedCost(job, semantics, attributed.get(job.id))
      // a cost TensorPix never gave explains none of the charge: all of it is drift, listed even when it is 0
      const upstreamCost = implied ?? ZERO
      sums.ledgerNet = sums.ledgerNet.plus(ledgerNet)
      sums.upstreamCost = sums.upstreamCost.plus(upstreamCost)
      if (implied === null || !ledgerNet.equals(upstreamCost)) {
        sums.jobs.push({
          jobId: job.id, upstreamId: job.upstreamId, state: job.state, ...figures(ledgerNet, upstreamCost)
        })
      }
      teams.set(team, sums)
    }
    cursor = jobs[jobs.length - 1]?.id
  }
  const all = [...teams.values()].sort((a, b) => a.team.localeCompare(b.team))
  const total = (pick: (s: TeamSums) => Decimal) => all.reduce((sum, s) => sum.plus(pick(s)), ZERO)
  return {
    from: isoDay(range.from),
    to: isoDay(range.to),
    teams: all.map(s => ({ team: s.team, ...figures(s.ledgerNet, s.upstreamCost), jobs: s.jobs })),
    totals: figures(total(s => s.ledgerNet), total(s => s.upstreamCost)),
    driftJobs: all.reduce((n, s) => n + s.jobs.length, 0),
    account: await accountSection(db, range)
  }
}

/**
 * The jobs created in the range whose ledger net differs from TensorPix's figures, each with its team: what a
 * worker checks to raise a `reconciliation.drift` event. Empty when everything agrees.
 */
export async function findDrift (db: Db, range: DayRange): Promise<Array<DriftJob & { team: string }>> {
  const report = await reconciliationReport(db, range)
  return report.teams.flatMap(t => t.jobs.map(job => ({ ...job, team: t.team })))
}
