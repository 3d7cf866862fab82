// The account's beliefs (account_semantics): read by every terminal settlement, seeded from the configuration,
// replaced by the account check when the balance shows otherwise. A settlement reads them FOR SHARE and a switch
// writes them under FOR UPDATE, so no job settles under the old belief after the switch's corrections were decided.
import { Prisma, type Db } from '../db/client.ts'
import {
  ASSUMED_SEMANTICS, CANCELLED_SEMANTICS, FAILED_SEMANTICS,
  type Semantics, type SemanticsSource, type SemanticsSubject
} from './semantics.ts'

type Tx = Prisma.TransactionClient

export interface Belief { value: string, source: SemanticsSource, evidence: unknown, observedAt: Date }
export type Beliefs = Record<SemanticsSubject, Belief>

/** The semantics from the configuration: a value set in the environment is 'configured', a default 'assumed'. */
export interface ConfiguredSemantics { failed?: Semantics['failed'], cancelled?: Semantics['cancelled'] }

const SUBJECTS = ['failed', 'cancelled'] as const

function toSemantics (rows: Array<{ subject: string, value: string }>): Semantics {
  const semantics = { ...ASSUMED_SEMANTICS }
  for (const row of rows) {
    if (row.subject === 'failed' && (FAILED_SEMANTICS as readonly string[]).includes(row.value)) {
      semantics.failed = row.value as Semantics['failed']
    }
    if (row.subject === 'cancelled' && (CANCELLED_SEMANTICS as readonly string[]).includes(row.value)) {
      semantics.cancelled = row.value as Semantics['cancelled']
    }
  }
  return semantics
}

/** The semantics a terminal settlement uses, read FOR SHARE inside its transaction (defaults when none is stored). */
export async function semanticsForSettlement (tx: Tx): Promise<Semantics> {
  return toSemantics(await tx.$queryRaw<Array<{ subject: string, value: string }>>`
    SELECT subject, value FROM account_semantics FOR SHARE`)
}

/** The semantics, locked against settlements until the transaction ends (the account check's switch). */
export async function lockSemantics (tx: Tx): Promise<Semantics> {
  return toSemantics(await tx.$queryRaw<Array<{ subject: string, value: string }>>`
    SELECT subject, value FROM account_semantics FOR UPDATE`)
}

export async function readSemantics (db: Db | Tx): Promise<Semantics> {
  return toSemantics(await db.accountSemantics.findMany())
}

/** Every belief with its source and evidence (defaults as 'assumed' when none is stored). */
export async function readBeliefs (db: Db | Tx): Promise<Beliefs> {
  const rows = new Map((await db.accountSemantics.findMany()).map(row => [row.subject, row]))
  const semantics = toSemantics([...rows.values()])
  const belief = (subject: SemanticsSubject): Belief => {
    const row = rows.get(subject)
    return row && row.value === semantics[subject]
      ? { value: row.value, source: row.source as SemanticsSource, evidence: row.evidence, observedAt: row.observedAt }
      : { value: semantics[subject], source: 'assumed', evidence: null, observedAt: new Date(0) }
  }
  return { failed: belief('failed'), cancelled: belief('cancelled') }
}

/**
 * Stores the configured beliefs where none was observed: an observed belief outlives a configuration that
 * disagrees (returned, so the caller can warn), a configured or assumed one follows the configuration.
 */
export async function seedSemantics (db: Db, configured: ConfiguredSemantics): Promise<SemanticsSubject[]> {
  const overruled: SemanticsSubject[] = []
  for (const subject of SUBJECTS) {
    const value = configured[subject] ?? ASSUMED_SEMANTICS[subject]
    const source: SemanticsSource = configured[subject] === undefined ? 'assumed' : 'configured'
    const row = await db.accountSemantics.findUnique({ where: { subject } })
    if (row?.source === 'observed') {
      if (configured[subject] !== undefined && row.value !== value) overruled.push(subject)
      continue
    }
    if (row?.value === value && row.source === source) continue
    await db.accountSemantics.upsert({
      where: { subject },
      create: { subject, value, source },
      update: { value, source, evidence: Prisma.DbNull, observedAt: new Date() }
    })
  }
  return overruled
}

/** Records an observed belief, with what showed it (inside the switch's transaction, after lockSemantics). */
export async function observeSemantics (tx: Tx, subject: SemanticsSubject, value: string, evidence: object, at: Date):
Promise<void> {
  await tx.accountSemantics.upsert({
    where: { subject },
    create: { subject, value, source: 'observed', evidence, observedAt: at },
    update: { value, source: 'observed', evidence, observedAt: at }
  })
}
