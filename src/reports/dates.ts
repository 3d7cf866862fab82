// Report date ranges: UTC days as YYYY-MM-DD, `from` inclusive and `to` exclusive. Defaults: from the first day of
// the current month to tomorrow, so "this month so far, today included".
import type { FieldProblem } from '../errors/problems.ts'

const DAY_MS = 86_400_000
// ten years of days: enough for any finance question, small enough that a query stays bounded
export const MAX_RANGE_DAYS = 3660

export interface DayRange { from: Date, to: Date }

/** A parsed query parameter, or every problem with it. */
export type Parsed<T> = { value: T } | { problems: FieldProblem[] }

export const isoDay = (at: Date) => at.toISOString().slice(0, 10)

export function addDays (day: Date, days: number): Date {
  return new Date(day.getTime() + days * DAY_MS)
}

export function daysBetween (from: Date, to: Date): number {
  return Math.round((to.getTime() - from.getTime()) / DAY_MS)
}

export function startOfDay (at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()))
}

/** A YYYY-MM-DD string as the UTC midnight it names, or null when it is not a real calendar day. */
export function parseDay (text: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (!match) return null
  const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
  return isoDay(day) === text ? day : null
}

export function defaultRange (now: Date): DayRange {
  return { from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)), to: addDays(startOfDay(now), 1) }
}

/** The range a query asks for, or the problems with it (field names as the query string spells them). */
export function parseRange (
  query: { from?: string | undefined, to?: string | undefined },
  now: Date
): Parsed<DayRange> {
  const defaults = defaultRange(now)
  const problems: FieldProblem[] = []
  const read = (field: 'from' | 'to', fallback: Date) => {
    const text = query[field]
    if (text === undefined) return fallback
    const day = parseDay(text)
    if (!day) problems.push({ field: `querystring.${field}`, message: 'must be a calendar date YYYY-MM-DD' })
    return day ?? fallback
  }
  const range = { from: read('from', defaults.from), to: read('to', defaults.to) }
  if (problems.length > 0) return { problems }
  if (range.from >= range.to) return { problems: [{ field: 'querystring.to', message: 'must be after from (to is exclusive)' }] }
  if (daysBetween(range.from, range.to) > MAX_RANGE_DAYS) {
    return { problems: [{ field: 'querystring.to', message: `the range may span at most ${MAX_RANGE_DAYS} days` }] }
  }
  return { value: range }
}
