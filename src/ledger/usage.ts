// The per-team-per-period usage row, and the ledger rows that move it. Every function here takes a transaction
// client: a ledger row and its usage update always commit together, or not at all.
import { Decimal } from 'decimal.js'
import { Prisma, type Db } from '../db/client.ts'
import { periodStart, type Period } from '../policy/period.ts'

type Tx = Prisma.TransactionClient

export interface TeamPeriod { teamId: string, periodStart: Date }

// Every UPDATE of a usage row ends in `RETURNING ${ANNOUNCE_USAGE}`: a NOTIFY naming the team, sent at commit (or
// never), for the replicas that keep budget state for their answers. Part of the statement, so it costs no round
// trip inside the transactions that hold the row's lock.
export const USAGE_CHANNEL = 'tpx_usage_changed'
export const ANNOUNCE_USAGE = Prisma.sql`pg_notify(${USAGE_CHANNEL}, team_id::text)::text AS announced`

export function currentPeriod (team: { id: string, budgetPeriod: Period }, now: Date): TeamPeriod {
  return { teamId: team.id, periodStart: periodStart(team.budgetPeriod, now) }
}

/** Creates the usage row for the period if it is missing (idempotent under concurrency). */
export async function ensureUsageRow (tx: Tx | Db, period: TeamPeriod): Promise<void> {
  await tx.$executeRaw`INSERT INTO team_period_usage (team_id, period_start, updated_at)
    VALUES (${period.teamId}::uuid, ${period.periodStart}::date, now()) ON CONFLICT DO NOTHING`
}

export interface Adjustment extends TeamPeriod {
  // positive grants credits, negative takes them away
  amount: Decimal
  reason: string
  actorKeyId: string
}

/** A finance/admin budget adjustment: one `adjust` ledger row plus the usage row, in the caller's transaction. */
export async function recordAdjustment (tx: Tx, a: Adjustment) {
  await ensureUsageRow(tx, a)
  await tx.$executeRaw`UPDATE team_period_usage SET adjusted = adjusted + ${a.amount.toFixed(4)}::numeric, updated_at = now()
    WHERE team_id = ${a.teamId}::uuid AND period_start = ${a.periodStart}::date RETURNING ${ANNOUNCE_USAGE}`
  return tx.ledgerEntry.create({
    data: {
      teamId: a.teamId,
      kind: 'adjust',
      amount: a.amount.toFixed(4),
      periodStart: a.periodStart,
      reason: a.reason,
      actorKeyId: a.actorKeyId
    }
  })
}

export interface PeriodUsage { charged: Decimal, held: Decimal, adjusted: Decimal }

export async function readUsage (db: Tx | Db, period: TeamPeriod): Promise<PeriodUsage> {
  const row = await db.teamPeriodUsage.findUnique({ where: { teamId_periodStart: period } })
  return {
    charged: new Decimal(row?.charged.toString() ?? 0),
    held: new Decimal(row?.held.toString() ?? 0),
    adjusted: new Decimal(row?.adjusted.toString() ?? 0)
  }
}
