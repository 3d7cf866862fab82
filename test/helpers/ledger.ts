// The ledger invariants, re-derived from the rows by the tests and never by the code under test, and the checks every
// money test ends with (`assertBooks`):
//   for every team and period, usage held = Σhold − Σrelease, charged = Σcharge − Σrefund, adjusted = Σadjust;
//   no hold is left open once every create has an outcome;
//   Σ over the ledger of charge − refund = what TensorPix charged the master account, net of its refunds.
import { Decimal } from 'decimal.js'
import type { Test } from 'tap'
import type { Db } from '../../src/db/client.ts'
import type { AccountState } from './simulator.ts'

const ZERO = new Decimal(0)

export interface Sums { charged: string, held: string, adjusted: string }

export interface InvariantRow {
  teamId: string
  periodStart: string
  usage: Sums | null
  ledger: Sums
}

const day = (date: Date) => date.toISOString().slice(0, 10)

/** For every team and period with a usage row or ledger rows: the usage row, and the ledger re-summed. */
export async function invariantRows (db: Db): Promise<InvariantRow[]> {
  const usage = await db.teamPeriodUsage.findMany()
  const sums = await db.ledgerEntry.groupBy({ by: ['teamId', 'periodStart', 'kind'], _sum: { amount: true } })
  type Row = { teamId: string, periodStart: string, usage: Sums | null } & Record<keyof Sums, Decimal>
  const rows = new Map<string, Row>()
  const rowOf = (teamId: string, periodStart: Date) => {
    const key = `${teamId}/${day(periodStart)}`
    let row = rows.get(key)
    if (!row) {
      row = { teamId, periodStart: day(periodStart), usage: null, held: ZERO, charged: ZERO, adjusted: ZERO }
      rows.set(key, row)
    }
    return row
  }
  for (const u of usage) {
    rowOf(u.teamId, u.periodStart).usage = {
      charged: new Decimal(u.charged.toString()).toFixed(4),
      held: new Decimal(u.held.toString()).toFixed(4),
      adjusted: new Decimal(u.adjusted.toString()).toFixed(4)
    }
  }
  for (const s of sums) {
    const row = rowOf(s.teamId, s.periodStart)
    const amount = new Decimal(s._sum.amount?.toString() ?? 0)
    if (s.kind === 'hold') row.held = row.held.plus(amount)
    if (s.kind === 'release') row.held = row.held.minus(amount)
    if (s.kind === 'charge') row.charged = row.charged.plus(amount)
    if (s.kind === 'refund') row.charged = row.charged.minus(amount)
    if (s.kind === 'adjust') row.adjusted = row.adjusted.plus(amount)
  }
  return [...rows.values()].map(r => ({
    teamId: r.teamId,
    periodStart: r.periodStart,
    usage: r.usage,
    ledger: { charged: r.charged.toFixed(4), held: r.held.toFixed(4), adjusted: r.adjusted.toFixed(4) }
  }))
}

/** The rows where the usage row differs from the re-summed ledger (a missing usage row counts as zeros). */
export async function invariantViolations (db: Db, only?: keyof Sums): Promise<InvariantRow[]> {
  const fields = only ? [only] : ['charged', 'held', 'adjusted'] as const
  return (await invariantRows(db)).filter(r => {
    const u = r.usage ?? { charged: '0', held: '0', adjusted: '0' }
    return fields.some(field => !new Decimal(u[field]).equals(r.ledger[field]))
  })
}

/** Σ charge − Σ refund per team (all periods). */
export async function ledgerNetByTeam (db: Db): Promise<Map<string, Decimal>> {
  const sums = await db.ledgerEntry.groupBy({
    by: ['teamId', 'kind'], _sum: { amount: true }, where: { kind: { in: ['charge', 'refund'] } }
  })
  const net = new Map<string, Decimal>()
  for (const s of sums) {
    const amount = new Decimal(s._sum.amount?.toString() ?? 0)
    net.set(s.teamId, (net.get(s.teamId) ?? ZERO)[s.kind === 'charge' ? 'plus' : 'minus'](amount))
  }
  return net
}

/** Σ held over every usage row. */
export async function totalHeld (db: Db): Promise<Decimal> {
  const rows = await db.teamPeriodUsage.findMany({ select: { held: true } })
  return rows.reduce((acc, r) => acc.plus(r.held.toString()), ZERO)
}

/** What TensorPix charged an account, net of its refunds. */
export async function simulatorNet (sim: { account (): Promise<AccountState> }): Promise<Decimal> {
  const account = await sim.account()
  return new Decimal(account.credits_charged).minus(account.credits_refunded)
}

/**
 * What the simulator's account lost to each team's jobs (its per-job charged − refunded, whatever cost_usd says),
 * by the team of the gateway record that owns each upstream job; jobs no record owns are left out.
 */
export async function simulatorNetByTeam (db: Db, sim: { account (): Promise<AccountState> }):
Promise<Map<string, Decimal>> {
  const charges = (await sim.account()).job_charges
  const owners = new Map((await db.job.findMany({
    where: { upstreamId: { in: charges.map(c => c.id) } }, select: { upstreamId: true, teamId: true }
  })).map(j => [j.upstreamId, j.teamId]))
  const net = new Map<string, Decimal>()
  for (const charge of charges) {
    const team = owners.get(charge.id)
    if (team !== undefined) net.set(team, (net.get(team) ?? ZERO).plus(charge.net))
  }
  return net
}

export interface BooksOptions {
  /** also compare the ledger with this simulator's master account (only when no one else spends on it) */
  sim?: { account (): Promise<AccountState> }
  /** how far the ledger may be from the simulator (default: not at all) */
  tolerance?: string
  /** some creates still have no outcome (504, `unknown`), so their holds are rightly open */
  holdsOpen?: boolean
}

/**
 * The books after a test, one assertion per invariant (so a failure names the one that broke): held, charged and
 * adjusted of every usage row equal the re-summed ledger; unless `holdsOpen`, nothing is held; with `sim`, the
 * ledger's net equals the simulator's.
 */
export async function assertBooks (t: Test, db: Db, options: BooksOptions = {}): Promise<void> {
  t.same(await invariantViolations(db, 'held'), [], 'every usage row: held = Σhold − Σrelease')
  t.same(await invariantViolations(db, 'charged'), [], 'every usage row: charged = Σcharge − Σrefund')
  t.same(await invariantViolations(db, 'adjusted'), [], 'every usage row: adjusted = Σadjust')
  if (!options.holdsOpen) t.ok((await totalHeld(db)).isZero(), 'no hold left open')
  if (options.sim) {
    const ledger = [...(await ledgerNetByTeam(db)).values()].reduce((a, b) => a.plus(b), ZERO)
    const upstream = await simulatorNet(options.sim)
    t.ok(ledger.minus(upstream).abs().lte(options.tolerance ?? 0),
      `Σ ledger net ${ledger.toFixed(4)} = the simulator's charged − refunded ${upstream.toFixed(4)}`)
  }
}

/** A team's usage over all its periods, as 0.0000 strings. */
export async function teamUsage (db: Db, teamId: string): Promise<Sums> {
  const rows = await db.teamPeriodUsage.findMany({ where: { teamId } })
  const sum = (field: keyof Sums) => rows.reduce((acc, row) => acc.plus(row[field].toString()), ZERO).toFixed(4)
  return { charged: sum('charged'), held: sum('held'), adjusted: sum('adjusted') }
}

/** A team's ledger rows, oldest first. */
export async function teamLedger (db: Db, teamId: string):
Promise<Array<{ kind: string, amount: string, jobId: string | null, reason: string }>> {
  const rows = await db.ledgerEntry.findMany({ where: { teamId }, orderBy: { id: 'asc' } })
  return rows.map(row => ({ kind: row.kind, amount: row.amount.toFixed(4), jobId: row.jobId, reason: row.reason }))
}

/** A job's ledger rows, oldest first, as `kind amount` (e.g. 'hold 10.0000'). */
export async function ledgerOfJob (db: Db, jobId: string): Promise<string[]> {
  const rows = await db.ledgerEntry.findMany({ where: { jobId }, orderBy: { id: 'asc' } })
  return rows.map(row => `${row.kind} ${row.amount.toFixed(4)}`)
}

const DAY_MS = 86_400_000

/**
 * Moves a daily team's job (by its TensorPix id) to the day before its period, as if held "yesterday" (see
 * moveJobToPeriod); the job's id, and the two periods.
 */
export async function moveJobToYesterday (db: Db, upstreamId: number):
Promise<{ jobId: string, today: Date, yesterday: Date }> {
  const job = await db.job.findFirstOrThrow({ where: { upstreamId } })
  const today = job.periodStart
  const yesterday = new Date(today.getTime() - DAY_MS)
  await moveJobToPeriod(db, job.id, yesterday, today)
  return { jobId: job.id, today, yesterday }
}

/**
 * Moves a job and its money rows (so far) to another budget period of its team, as if its hold had been placed
 * then: the rows' period_start, both usage rows, and the job's own period and creation time (a minute before
 * `createdBefore`). What a test does to put a job on the far side of a period boundary.
 */
export async function moveJobToPeriod (db: Db, jobId: string, periodStart: Date, createdBefore: Date): Promise<void> {
  await db.$transaction(async tx => {
    const job = await tx.job.findUniqueOrThrow({ where: { id: jobId } })
    const rows = await tx.ledgerEntry.findMany({ where: { jobId } })
    const net = (plus: string, minus: string) => rows.reduce((acc, r) =>
      r.kind === plus ? acc.plus(r.amount.toString()) : r.kind === minus ? acc.minus(r.amount.toString()) : acc, ZERO)
    const held = net('hold', 'release').toFixed(4)
    const charged = net('charge', 'refund').toFixed(4)
    await tx.$executeRaw`INSERT INTO team_period_usage (team_id, period_start, charged, held, updated_at)
      VALUES (${job.teamId}::uuid, ${periodStart}::date, ${charged}::numeric, ${held}::numeric, now())
      ON CONFLICT (team_id, period_start) DO UPDATE
      SET charged = team_period_usage.charged + EXCLUDED.charged, held = team_period_usage.held + EXCLUDED.held`
    await tx.$executeRaw`UPDATE team_period_usage
      SET charged = charged - ${charged}::numeric, held = held - ${held}::numeric
      WHERE team_id = ${job.teamId}::uuid AND period_start = ${job.periodStart}::date`
    await tx.ledgerEntry.updateMany({ where: { jobId }, data: { periodStart } })
    await tx.job.update({
      where: { id: jobId }, data: { periodStart, createdAt: new Date(createdBefore.getTime() - 60_000) }
    })
  })
}
