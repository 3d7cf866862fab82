// The spend report, read from the daily rollups only (spend_daily_key, or spend_daily_model when grouped by
// model), grouped in SQL. Ranges grouped by day or month are read a calendar month at a time, so a CSV export of
// years holds one month of rows in memory, never the whole answer.
import { Prisma, type Db } from '../db/client.ts'
import { displayPrefix } from '../auth/key-format.ts'
import { NO_MODEL } from '../ledger/model-split.ts'
import { isoDay, type DayRange } from './dates.ts'
import type { Dimension } from './group-by.ts'
import type { Money, SpendRow } from './schemas.ts'

export interface SpendFilter extends DayRange { teamId?: string | undefined }

// per dimension: the group expression on the rollup row `s`, what is selected of it, and the row order
const GROUP: Record<Dimension, { expr: string, select: string, order: string }> = {
  team: { expr: 's.team_id', select: 's.team_id', order: 't.slug' },
  key: { expr: 's.api_key_id', select: 's.api_key_id', order: 'k.name, g.g_key' },
  model: { expr: 's.model_id', select: 's.model_id', order: 'g.g_model' },
  day: { expr: 's.day', select: "to_char(s.day, 'YYYY-MM-DD')", order: 'g.g_day' },
  // the first of the month by date arithmetic: date_trunc would go through timestamptz (slower, and zone-dependent)
  month: { expr: 's.day - (EXTRACT(DAY FROM s.day)::int - 1)', select: "to_char(s.day - (EXTRACT(DAY FROM s.day)::int - 1), 'YYYY-MM')", order: 'g.g_month' }
}

// sums of NUMERIC(18,4) keep 4 places, so the database formats the money (no Decimal per row on a large export)
const SUMS = `COALESCE(SUM(s.charged), 0)::numeric(38, 4)::text AS charged,
  COALESCE(SUM(s.refunded), 0)::numeric(38, 4)::text AS refunded,
  COALESCE(SUM(s.charged) - SUM(s.refunded), 0)::numeric(38, 4)::text AS net,
  COALESCE(SUM(s.jobs_created), 0)::int AS jobs_created, COALESCE(SUM(s.jobs_finished), 0)::int AS jobs_finished,
  COALESCE(SUM(s.jobs_failed), 0)::int AS jobs_failed, COALESCE(SUM(s.jobs_cancelled), 0)::int AS jobs_cancelled`

interface RawRow {
  g_team?: string
  team_slug?: string
  team_name?: string
  g_key?: string
  key_name?: string
  key_public_id?: string
  g_model?: number
  g_day?: string
  g_month?: string
  charged: string
  refunded: string
  net: string
  jobs_created: number
  jobs_finished: number
  jobs_failed: number
  jobs_cancelled: number
}

// (GROUPING SETS would give rows and totals in one scan, but rules out a parallel plan, which is twice as fast here)
function groupedQuery (dims: readonly Dimension[], filter: SpendFilter): Prisma.Sql {
  const table = Prisma.raw(dims.includes('model') ? 'spend_daily_model' : 'spend_daily_key')
  const groups = dims.map(d => Prisma.raw(`${GROUP[d].select} AS g_${d}`))
  const groupBy = dims.length > 0 ? Prisma.raw(`GROUP BY ${dims.map(d => GROUP[d].expr).join(', ')}`) : Prisma.empty
  const team = filter.teamId ? Prisma.sql`AND s.team_id = ${filter.teamId}::uuid` : Prisma.empty
  const inner = Prisma.sql`
    SELECT ${Prisma.join([...groups, Prisma.raw(SUMS)])}
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
  return {
    charged: raw.charged,
    refunded: raw.refunded,
    net: raw.net,
    jobsCreated: raw.jobs_created,
    jobsFinished: raw.jobs_finished,
    jobsFailed: raw.jobs_failed,
    jobsCancelled: raw.jobs_cancelled
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
    if (dim === 'day') row.day = raw.g_day as string
    if (dim === 'month') row.month = raw.g_month as string
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

/** The report's rows and totals (two queries side by side). */
export async function spendReport (
  db: Db,
  dims: readonly Dimension[],
  filter: SpendFilter,
  modelName: ModelNames
): Promise<{ rows: SpendRow[], totals: Money }> {
  const [raws, totals] =
    await Promise.all([db.$queryRaw<RawRow[]>(groupedQuery(dims, filter)), spendTotals(db, filter)])
  return { rows: raws.map(raw => rowOf(raw, dims, modelName)), totals }
}

/** The report's rows for a stream, a batch per query (a calendar month at a time when per day or month), in order. */
export async function * spendRows (
  db: Db,
  dims: readonly Dimension[],
  filter: SpendFilter,
  modelName: ModelNames
): AsyncGenerator<SpendRow[]> {
  const timed = dims.includes('day') || dims.includes('month')
  for (const chunk of timed ? monthChunks(filter) : [filter]) {
    const raws = await db.$queryRaw<RawRow[]>(groupedQuery(dims, { ...filter, ...chunk }))
    if (raws.length > 0) yield raws.map(raw => rowOf(raw, dims, modelName))
  }
}

/** Totals of the range, from the per-key rollup (so a job counts once, whatever the grouping). */
async function spendTotals (db: Db, filter: SpendFilter): Promise<Money> {
  const [raw] = await db.$queryRaw<RawRow[]>(groupedQuery([], filter))
  return moneyOf(raw as RawRow)
}
