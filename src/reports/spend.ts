// The spend report, read from the daily rollups only (spend_daily_key, or spend_daily_model when grouped by
// model), grouped in SQL. Ranges grouped by day or month are read a calendar month at a time, so a CSV export of
// years holds one month of rows in memory, never the whole answer.
import { Decimal } from 'decimal.js'
import { Prisma, type Db } from '../db/client.ts'
import { displayPrefix } from '../auth/key-format.ts'
import { formatCredits } from '../ledger/balance.ts'
import { NO_MODEL } from '../ledger/model-split.ts'
import { isoDay, type DayRange } from './dates.ts'
import type { Dimension } from './group-by.ts'
import type { Money, SpendRow } from './schemas.ts'

export interface SpendFilter extends DayRange { teamId?: string | undefined }

// group expression on the rollup row `s`, and the columns the outer query adds for it
const GROUP: Record<Dimension, { expr: string, order: string }> = {
  team: { expr: 's.team_id', order: 't.slug' },
  key: { expr: 's.api_key_id', order: 'k.name, g.g_key' },
  model: { expr: 's.model_id', order: 'g.g_model' },
  day: { expr: 's.day', order: 'g.g_day' },
  month: { expr: "date_trunc('month', s.day)::date", order: 'g.g_month' }
}

interface RawRow {
  g_team?: string
  team_slug?: string
  team_name?: string
  g_key?: string
  key_name?: string
  key_public_id?: string
  g_model?: number
  g_day?: Date
  g_month?: Date
  charged: string | null
  refunded: string | null
  jobs_created: number | null
  jobs_finished: number | null
  jobs_failed: number | null
  jobs_cancelled: number | null
}

function groupedQuery (dims: readonly Dimension[], filter: SpendFilter): Prisma.Sql {
  const table = Prisma.raw(dims.includes('model') ? 'spend_daily_model' : 'spend_daily_key')
  const groups = dims.map(d => Prisma.raw(`${GROUP[d].expr} AS g_${d}`))
  const groupBy = dims.length > 0 ? Prisma.raw(`GROUP BY ${dims.map(d => GROUP[d].expr).join(', ')}`) : Prisma.empty
  const team = filter.teamId ? Prisma.sql`AND s.team_id = ${filter.teamId}::uuid` : Prisma.empty
  const inner = Prisma.sql`
    SELECT ${Prisma.join([...groups, Prisma.raw(`SUM(s.charged)::text AS charged, SUM(s.refunded)::text AS refunded,
      SUM(s.jobs_created)::int AS jobs_created, SUM(s.jobs_finished)::int AS jobs_finished,
      SUM(s.jobs_failed)::int AS jobs_failed, SUM(s.jobs_cancelled)::int AS jobs_cancelled`)])}
    FROM ${table} s
    WHERE s.day >= ${isoDay(filter.from)}::date AND s.day < ${isoDay(filter.to)}::date ${team}
    ${groupBy}`
  if (dims.length === 0) return inner
  const joins = [
    dims.includes('team') ? 'JOIN teams t ON t.id = g.g_team' : '',
    dims.includes('key') ? 'JOIN api_keys k ON k.id = g.g_key' : ''
  ].join(' ')
  const labels = [
    dims.includes('team') ? 't.slug AS team_slug, t.name AS team_name' : '',
    dims.includes('key') ? 'k.name AS key_name, k.public_id AS key_public_id' : ''
  ].filter(Boolean)
  return Prisma.sql`SELECT ${Prisma.raw(['g.*', ...labels].join(', '))} FROM (${inner}) g ${Prisma.raw(joins)}
    ORDER BY ${Prisma.raw(dims.map(d => GROUP[d].order).join(', '))}`
}

function moneyOf (raw: RawRow): Money {
  const charged = new Decimal(raw.charged ?? 0)
  const refunded = new Decimal(raw.refunded ?? 0)
  return {
    charged: formatCredits(charged),
    refunded: formatCredits(refunded),
    net: formatCredits(charged.minus(refunded)),
    jobsCreated: raw.jobs_created ?? 0,
    jobsFinished: raw.jobs_finished ?? 0,
    jobsFailed: raw.jobs_failed ?? 0,
    jobsCancelled: raw.jobs_cancelled ?? 0
  }
}

export type ModelNames = (id: number) => string | undefined

function rowOf (raw: RawRow, dims: readonly Dimension[], modelName: ModelNames): SpendRow {
  const row: SpendRow = {} as SpendRow
  for (const dim of dims) {
    if (dim === 'team') Object.assign(row, { team: raw.team_slug, teamName: raw.team_name })
    if (dim === 'key') Object.assign(row, { keyId: raw.g_key, keyName: raw.key_name, keyPrefix: displayPrefix(raw.key_public_id ?? '') })
    if (dim === 'model') {
      const id = raw.g_model ?? NO_MODEL
      const name = id === NO_MODEL ? 'no ML model' : modelName(id)
      Object.assign(row, name === undefined ? { modelId: id } : { modelId: id, modelName: name })
    }
    if (dim === 'day') row.day = isoDay(raw.g_day as Date)
    if (dim === 'month') row.month = isoDay(raw.g_month as Date).slice(0, 7)
  }
  return Object.assign(row, moneyOf(raw))
}

/** Calendar-month pieces of the range when the rows are per day or month (each row falls in exactly one). */
export function monthChunks (range: DayRange): DayRange[] {
  const chunks: DayRange[] = []
  for (let from = range.from; from < range.to;) {
    const next = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1))
    const to = next < range.to ? next : range.to
    chunks.push({ from, to })
    from = to
  }
  return chunks
}

/** The report's rows, a batch per query, in order. */
export async function * spendRows (db: Db, dims: readonly Dimension[], filter: SpendFilter, modelName: ModelNames): AsyncGenerator<SpendRow[]> {
  const timed = dims.includes('day') || dims.includes('month')
  for (const chunk of timed ? monthChunks(filter) : [filter]) {
    const raws = await db.$queryRaw<RawRow[]>(groupedQuery(dims, { ...filter, ...chunk }))
    if (raws.length > 0) yield raws.map(raw => rowOf(raw, dims, modelName))
  }
}

/** Totals of the range, from the per-key rollup (so a job counts once, whatever the grouping). */
export async function spendTotals (db: Db, filter: SpendFilter): Promise<Money> {
  const [raw] = await db.$queryRaw<RawRow[]>(groupedQuery([], filter))
  return moneyOf(raw as RawRow)
}
