// Drift check: the reconciliation report over the last days, run as a worker, so finance hears of a job whose ledger
// net differs from TensorPix's figures without having to ask. Only settled (terminal) jobs count: a running job's
// reported cost may still move until its terminal transition settles it. Each drifting job is announced once, across
// passes and replicas: the alerts table remembers it (alert `drift:<job id>` on the job's creation day), and the
// `reconciliation.drift` event is written in the same transaction.
import type { Db, Prisma } from '../db/client.ts'
import { isTerminal } from '../jobs/states.ts'
import { addDays, isoDay, startOfDay, type DayRange } from '../reports/dates.ts'
import { reconciliationReport } from '../reports/reconciliation.ts'
import type { DriftJob } from '../reports/schemas.ts'
import type { JobState } from '../generated/prisma/enums.ts'
import { emitEvent } from '../webhooks/events.ts'

export interface DriftDeps { db: Db, now: () => Date }

/** The UTC days a pass looks at: `lookbackDays` back from today, today included. */
export function driftWindow (now: Date, lookbackDays: number): DayRange {
  const today = startOfDay(now)
  return { from: addDays(today, -lookbackDays), to: addDays(today, 1) }
}

/** Records the jobs not announced before and returns them, in the transaction that announces them. */
async function unannounced (tx: Prisma.TransactionClient, teamId: string, jobs: DriftJob[]) {
  const created = await tx.job.findMany({
    where: { id: { in: jobs.map(j => j.jobId) } },
    select: { id: true, createdAt: true }
  })
  const day = new Map(created.map(j => [j.id, startOfDay(j.createdAt)]))
  const fresh: DriftJob[] = []
  for (const job of jobs) {
    const inserted = await tx.$executeRaw`
      INSERT INTO budget_alerts (team_id, period_start, alert)
      VALUES (${teamId}::uuid, ${day.get(job.jobId) ?? new Date()}::date, ${`drift:${job.jobId}`})
      ON CONFLICT DO NOTHING`
    if (inserted === 1) fresh.push(job)
  }
  return fresh
}

/** One pass. Returns how many teams got a `reconciliation.drift` event. */
export async function checkDrift (deps: DriftDeps, lookbackDays: number): Promise<number> {
  const range = driftWindow(deps.now(), lookbackDays)
  const report = await reconciliationReport(deps.db, range)
  const drifting = report.teams
    .map(team => ({ ...team, jobs: team.jobs.filter(job => isTerminal(job.state as JobState)) }))
    .filter(team => team.jobs.length > 0)
  if (drifting.length === 0) return 0
  const ids = new Map((await deps.db.team.findMany({ select: { id: true, slug: true } })).map(t => [t.slug, t.id]))
  let raised = 0
  for (const team of drifting) {
    const teamId = ids.get(team.team)
    if (teamId === undefined) continue
    const announced = await deps.db.$transaction(async tx => {
      const jobs = await unannounced(tx, teamId, team.jobs)
      if (jobs.length === 0) return false
      const { ledgerNet, upstreamCost, drift } = team
      await emitEvent(tx, teamId, 'reconciliation.drift', { from: isoDay(range.from), to: isoDay(range.to), ledgerNet, upstreamCost, drift, jobs })
      return true
    })
    if (announced) raised++
  }
  return raised
}
