// Budget periods are UTC calendar periods: a day, an ISO week starting Monday, or a calendar month.
export type Period = 'day' | 'week' | 'month'

const DAY_MS = 86_400_000

/** The first instant (00:00 UTC) of the period containing `at`. */
export function periodStart (period: Period, at: Date): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())
  if (period === 'day') return new Date(day)
  if (period === 'week') return new Date(day - ((at.getUTCDay() + 6) % 7) * DAY_MS)
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1))
}

/** The first instant of the next period: the current one ends just before it. */
export function periodEnd (period: Period, at: Date): Date {
  const start = periodStart(period, at)
  if (period === 'day') return new Date(start.getTime() + DAY_MS)
  if (period === 'week') return new Date(start.getTime() + 7 * DAY_MS)
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1))
}

/** The UTC day `at` falls in, for per-day quotas. */
export function utcDay (at: Date): Date {
  return periodStart('day', at)
}
