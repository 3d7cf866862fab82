// The only code that moves credits. Each function runs inside the caller's transaction and writes one ledger row
// per movement together with the matching change to the team's period usage row, so that for every team and period
//   held    = Σ hold − Σ release
//   charged = Σ charge − Σ refund
//   adjusted = Σ adjust
// always holds and can be re-summed to prove it (see test/integration/money/ledger-invariant.test.ts).
import { Decimal } from 'decimal.js'
import type { Prisma } from '../db/client.ts'
import { countCommittedCredits } from '../metrics/registry.ts'
import { ANNOUNCE_USAGE, ensureUsageRow, type TeamPeriod } from './usage.ts'
import { rollUpMoney, type JobEvent, type RollupTarget } from './rollup.ts'

type Tx = Prisma.TransactionClient

export interface BudgetRule {
  mode: 'hard' | 'soft'
  credits: Decimal
  overdraft: Decimal
}

export interface Movement extends TeamPeriod, RollupTarget {
  jobId: string
  amount: Decimal
  reason: string
  /** the job event this movement settles, counted in the rollups with its money */
  counts?: JobEvent
}

export interface UsageAfter { charged: string, held: string, adjusted: string }

// Charges and refunds are spend: their daily rollups are written with them, on the UTC day of the ledger row.
async function ledgerRow (tx: Tx, kind: 'hold' | 'charge' | 'release' | 'refund', m: Movement) {
  const entry = await tx.ledgerEntry.create({
    data: {
      teamId: m.teamId,
      jobId: m.jobId,
      apiKeyId: m.apiKeyId,
      kind,
      amount: m.amount.toFixed(4),
      periodStart: m.periodStart,
      reason: m.reason
    }
  })
  countCommittedCredits(tx, kind, m.amount)
  if (kind === 'charge' || kind === 'refund') await rollUpMoney(tx, kind, m, m.amount, entry.createdAt, m.counts ?? null)
}

/**
 * Places a hold only if the budget allows it, in one conditional UPDATE: concurrent requests on any replica
 * serialise on the usage row, so the check and the hold can never be separated. Returns null when refused.
 * The UPDATE runs even for a zero amount, because its row lock is what serialises quota checks too.
 */
export async function placeHold (tx: Tx, m: Movement, rule: BudgetRule): Promise<UsageAfter | null> {
  await ensureUsageRow(tx, m)
  const amount = m.amount.toFixed(4)
  const limit = rule.credits.plus(rule.overdraft).toFixed(4)
  const rows = await tx.$queryRaw<UsageAfter[]>`
    UPDATE team_period_usage SET held = held + ${amount}::numeric, updated_at = now()
    WHERE team_id = ${m.teamId}::uuid AND period_start = ${m.periodStart}::date
      AND (${rule.mode} = 'soft' OR charged + held + ${amount}::numeric <= ${limit}::numeric + adjusted)
    RETURNING charged::text, held::text, adjusted::text, ${ANNOUNCE_USAGE}`
  const row = rows[0]
  if (!row) return null
  if (m.amount.gt(0)) await ledgerRow(tx, 'hold', m)
  return { charged: row.charged, held: row.held, adjusted: row.adjusted }
}

export async function releaseHold (tx: Tx, m: Movement): Promise<void> {
  if (m.amount.isZero()) return
  await tx.$executeRaw`UPDATE team_period_usage SET held = held - ${m.amount.toFixed(4)}::numeric, updated_at = now()
    WHERE team_id = ${m.teamId}::uuid AND period_start = ${m.periodStart}::date RETURNING ${ANNOUNCE_USAGE}`
  await ledgerRow(tx, 'release', m)
}

/**
 * Charges an actual cost. With `within` set, only if the budget still allows it (after the caller released the
 * job's hold); returns false when refused, having written nothing.
 */
export async function charge (tx: Tx, m: Movement, within?: BudgetRule): Promise<boolean> {
  if (m.amount.isZero()) return true
  const amount = m.amount.toFixed(4)
  const limit = within ? within.credits.plus(within.overdraft).toFixed(4) : null
  const updated = await tx.$executeRaw`
    UPDATE team_period_usage SET charged = charged + ${amount}::numeric, updated_at = now()
    WHERE team_id = ${m.teamId}::uuid AND period_start = ${m.periodStart}::date
      AND (${limit}::numeric IS NULL OR ${within?.mode ?? 'soft'} = 'soft'
           OR charged + held + ${amount}::numeric <= ${limit}::numeric + adjusted)
    RETURNING ${ANNOUNCE_USAGE}`
  if (updated === 0) return false
  await ledgerRow(tx, 'charge', m)
  return true
}

export async function refund (tx: Tx, m: Movement): Promise<void> {
  if (m.amount.isZero()) return
  await ensureUsageRow(tx, m)
  await tx.$executeRaw`UPDATE team_period_usage SET charged = charged - ${m.amount.toFixed(4)}::numeric, updated_at = now()
    WHERE team_id = ${m.teamId}::uuid AND period_start = ${m.periodStart}::date RETURNING ${ANNOUNCE_USAGE}`
  await ledgerRow(tx, 'refund', m)
}

export function budgetRule (team: { budgetMode: 'hard' | 'soft', budgetCredits: { toString(): string }, overdraftCredits: { toString(): string } }): BudgetRule {
  return {
    mode: team.budgetMode,
    credits: new Decimal(team.budgetCredits.toString()),
    overdraft: new Decimal(team.overdraftCredits.toString())
  }
}
