// The only code that moves credits. Each function runs inside the caller's transaction and moves the team's period
// usage row, writes one ledger row per movement and, for spend, adds it to the daily rollups, all in ONE statement,
// so that for every team and period
//   held    = Σ hold − Σ release
//   charged = Σ charge − Σ refund
//   adjusted = Σ adjust
// always holds and can be re-summed to prove it (see test/integration/money/ledger-invariant.test.ts). One statement
// is also all the time the usage row stays locked when the caller runs it last, just before its COMMIT: every
// money transaction of the team waits for that lock (test/integration/money/short-locks.test.ts).
import { Decimal } from 'decimal.js'
import { Prisma } from '../db/client.ts'
import { afterCommit } from '../db/after-commit.ts'
import { countCommittedCredits } from '../metrics/registry.ts'
import { ANNOUNCE_USAGE, ensureUsageRow, type TeamPeriod } from './usage.ts'
import { countJob, rollupWrites, type JobEvent, type RollupChange, type RollupTarget } from './rollup.ts'

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

type Kind = 'hold' | 'charge' | 'release' | 'refund'
const ZERO = new Decimal(0)

/** One statement's change: to the usage row, the ledger rows that account for it, and the rollups. */
interface Change {
  held: Decimal
  charged: Decimal
  entries: Array<{ kind: Kind, amount: Decimal, reason: string }>
  /** a hold's budget check: the row moves only if it passes */
  admit?: BudgetRule
  /** a settlement's: the row moves anyway, and the statement tells whether the usage after it passes */
  within?: BudgetRule
  rollup?: RollupChange
}

type Moved = { usage: UsageAfter, within: boolean } | 'refused' | 'missing'

const limit = (rule: BudgetRule) => rule.credits.plus(rule.overdraft).toFixed(4)

// `used` in the usage row's own columns: before the UPDATE in its WHERE, after it in its RETURNING
const passes = (rule: BudgetRule | undefined, used: Prisma.Sql) => rule
  ? Prisma.sql`(${rule.mode} = 'soft' OR ${used} <= ${limit(rule)}::numeric + adjusted)`
  : Prisma.sql`true`

/**
 * The statement. Its ledger rows and rollups are written only once the UPDATE produced the row (they read it), so
 * they and the usage row commit together or not at all, and the rollup rows are locked after the usage row. The
 * second SELECT tells a hold that its budget check refused it ('refused') from a row that is not there ('missing').
 */
async function move (tx: Tx, m: Movement, change: Change, at: Date): Promise<Moved> {
  // a negative amount would move the usage row the other way with no ledger row of its own: the kind says the sign
  if (change.entries.some(e => e.amount.isNegative())) throw new Error(`negative ledger movement for job ${m.jobId}`)
  const entries = change.entries.filter(e => e.amount.gt(0))
  const rows = await tx.$queryRaw<Array<{ moved: boolean, within: boolean } & UsageAfter>>`
    WITH u AS (
      UPDATE team_period_usage SET held = held + ${change.held.toFixed(4)}::numeric,
        charged = charged + ${change.charged.toFixed(4)}::numeric, updated_at = now()
      WHERE team_id = ${m.teamId}::uuid AND period_start = ${m.periodStart}::date
        AND ${passes(change.admit, Prisma.sql`charged + held + ${change.held.plus(change.charged).toFixed(4)}::numeric`)}
      RETURNING charged, held, adjusted, ${passes(change.within, Prisma.sql`charged + held`)} AS within, ${ANNOUNCE_USAGE}
    ), entries AS (
      INSERT INTO ledger_entries (team_id, job_id, api_key_id, kind, amount, period_start, reason, created_at)
      SELECT ${m.teamId}::uuid, ${m.jobId}::uuid, ${m.apiKeyId}::uuid, e.kind::"LedgerKind", e.amount,
        ${m.periodStart}::date, e.reason, ${at.toISOString()}::timestamptz
      FROM u CROSS JOIN unnest(${entries.map(e => e.kind)}::text[], ${entries.map(e => e.amount.toFixed(4))}::numeric[],
        ${entries.map(e => e.reason)}::text[]) WITH ORDINALITY AS e (kind, amount, reason, n)
      ORDER BY e.n
    ) ${change.rollup ? rollupWrites(m, at, change.rollup, Prisma.sql`u`) : Prisma.empty}
    SELECT true AS moved, within, charged::text, held::text, adjusted::text FROM u
    UNION ALL
    SELECT false, false, NULL, NULL, NULL FROM team_period_usage
    WHERE team_id = ${m.teamId}::uuid AND period_start = ${m.periodStart}::date AND NOT EXISTS (SELECT FROM u)`
  const row = rows[0]
  if (!row) return 'missing'
  if (!row.moved) return 'refused'
  for (const e of entries) countCommittedCredits(tx, e.kind, e.amount)
  return { usage: { charged: row.charged, held: row.held, adjusted: row.adjusted }, within: row.within }
}

// Usage rows known to be committed, so that a statement on the usage row needs no INSERT of it before (an INSERT
// waits for whoever updates the row, and costs a round trip): once per team and period and process. Usage rows are
// never deleted; one missing all the same is written again and the statement repeated (moveOnRow).
const KNOWN_LIMIT = 100_000
const knownRows = new Set<string>()
const rowKey = (p: TeamPeriod) => `${p.teamId}/${p.periodStart.toISOString().slice(0, 10)}`

async function moveOnRow (tx: Tx, m: Movement, change: Change): Promise<Exclude<Moved, 'missing'>> {
  const key = rowKey(m)
  let ensured = !knownRows.has(key)
  if (ensured) await ensureUsageRow(tx, m)
  // a ledger row's created_at, and the rollup day, as Prisma's @default(now()) gave them: this process's clock
  let moved = await move(tx, m, change, new Date())
  if (moved === 'missing' && !ensured) {
    knownRows.delete(key)
    ensured = true
    await ensureUsageRow(tx, m)
    moved = await move(tx, m, change, new Date())
  }
  if (moved === 'missing') throw new Error(`no usage row for team/period ${rowKey(m)}`)
  // known once committed: the row may be this transaction's own insert, which a rollback takes back
  if (ensured) {
    afterCommit(tx, () => {
      if (knownRows.size >= KNOWN_LIMIT) knownRows.clear()
      knownRows.add(key)
    })
  }
  return moved
}

/**
 * Places a hold only if the budget allows it, in one conditional UPDATE: concurrent requests on any replica
 * serialise on the usage row, so the check and the hold can never be separated. Returns null when refused.
 * The UPDATE runs even for a zero amount (a preview): a team past its hard budget is refused those too.
 */
export async function placeHold (tx: Tx, m: Movement, rule: BudgetRule): Promise<UsageAfter | null> {
  const moved = await moveOnRow(tx, m, {
    held: m.amount, charged: ZERO, admit: rule, entries: [{ kind: 'hold', amount: m.amount, reason: m.reason }]
  })
  return moved === 'refused' ? null : moved.usage
}

export async function releaseHold (tx: Tx, m: Movement): Promise<void> {
  if (m.amount.isZero()) return
  await moveOnRow(tx, m, {
    held: m.amount.negated(), charged: ZERO, entries: [{ kind: 'release', amount: m.amount, reason: m.reason }]
  })
}

/** Charges an actual cost, whatever the budget (TensorPix has charged it). */
export async function charge (tx: Tx, m: Movement): Promise<void> {
  if (m.amount.isZero()) return
  await moveOnRow(tx, m, {
    held: ZERO,
    charged: m.amount,
    entries: [{ kind: 'charge', amount: m.amount, reason: m.reason }],
    rollup: { charged: m.amount, refunded: ZERO, event: m.counts ?? null }
  })
}

export async function refund (tx: Tx, m: Movement): Promise<void> {
  if (m.amount.isZero()) return
  await moveOnRow(tx, m, {
    held: ZERO,
    charged: m.amount.negated(),
    entries: [{ kind: 'refund', amount: m.amount, reason: m.reason }],
    rollup: { charged: ZERO, refunded: m.amount, event: m.counts ?? null }
  })
}

export interface HoldSettlement {
  /** the hold to release, or null when it is released already */
  release: Movement | null
  /** the actual cost, with the job event it settles */
  cost: Movement & { counts: JobEvent }
  rule: BudgetRule
}

/**
 * Ends a create's hold with its actual cost, in one statement: releases the hold and charges the cost, within the
 * budget or not (TensorPix has charged it: the caller cancels a job that broke a hard budget). `within` is what a
 * budget check of the charge after the release says: charged + held ≤ credits + overdraft + adjusted once both
 * moved (a soft budget, and a cost of nothing, always are). `usage` is null when nothing moved (no hold, no cost).
 */
export async function settleHold (tx: Tx, s: HoldSettlement): Promise<{ within: boolean, usage: UsageAfter | null }> {
  const released = s.release?.amount ?? ZERO
  if (released.isZero() && s.cost.amount.isZero()) {
    await countJob(tx, s.cost, s.cost.counts)
    return { within: true, usage: null }
  }
  const moved = await moveOnRow(tx, s.cost, {
    held: released.negated(),
    charged: s.cost.amount,
    within: s.rule,
    entries: [
      { kind: 'release', amount: released, reason: s.release?.reason ?? '' },
      { kind: 'charge', amount: s.cost.amount, reason: s.cost.reason }
    ],
    rollup: { charged: s.cost.amount, refunded: ZERO, event: s.cost.counts }
  })
  // only a hold's budget check refuses a change
  if (moved === 'refused') throw new Error('a settlement cannot be refused')
  return { within: s.cost.amount.isZero() || moved.within, usage: moved.usage }
}

export function budgetRule (team: { budgetMode: 'hard' | 'soft', budgetCredits: { toString(): string }, overdraftCredits: { toString(): string } }): BudgetRule {
  return {
    mode: team.budgetMode,
    credits: new Decimal(team.budgetCredits.toString()),
    overdraft: new Decimal(team.overdraftCredits.toString())
  }
}
