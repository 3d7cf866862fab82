// Pure formatting for the dashboard: credits keep every one of their 4 decimals (finance reconciles to 0.0001, so
// no float ever touches a figure shown), times show in the viewer's zone with UTC alongside. No DOM here.

export const CREDITS_UNIT = 'credits'

/** "1234567.5000" → "1,234,567.5000"; the string is regrouped, never parsed into a float. */
export function groupCredits (value: string): string {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(value.trim())
  if (!match) return value
  const [, sign = '', whole = '', fraction = ''] = match
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction}`
}

/**
 * A decimal string as an exact integer count of its smallest unit: ("12.34", 4) → 123400, ("80.25", 2) → 8025.
 * Comparisons, sums and ratios of figures go through this, so no binary fraction ever enters them.
 */
export function decimalUnits (value: string, places: number): number {
  const [whole = '0', fraction = ''] = value.trim().split('.')
  const sign = whole.startsWith('-') ? -1 : 1
  return sign * (Math.abs(Number(whole)) * 10 ** places + Number(fraction.padEnd(places, '0').slice(0, places)))
}

/** Credits as exact units of 0.0001, for comparing and adding figures. */
export function creditUnits (value: string): number {
  return decimalUnits(value, 4)
}

export function formatCredits (value: string): string {
  return `${groupCredits(value)} ${CREDITS_UNIT}`
}

export function formatCount (value: number): string {
  return value.toLocaleString('en-US')
}

/** "45.20" → "45.20 %" */
export function formatPercent (value: string): string {
  return `${value} %`
}

const pad = (n: number) => String(n).padStart(2, '0')

/** An instant in UTC, for the title of every shown time: "2026-12-01 08:05:09 UTC". */
export function utcText (iso: string): string {
  const d = new Date(iso)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
}

/** An instant in the viewer's time zone (or the one given), e.g. "1 Dec 2026, 09:05:09". */
export function localText (iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium', timeStyle: 'medium', ...(timeZone ? { timeZone } : {})
  }).format(new Date(iso))
}

/** A UTC calendar day ("2026-12-01") as "1 Dec 2026"; report days are UTC days wherever the viewer is. */
export function dayText (day: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`))
}

/** "2026-12" as "Dec 2026" */
export function monthText (month: string): string {
  return new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`))
}

/** YYYY-MM-DD of a UTC day, shifted by whole days. */
export function addDays (day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** Every UTC day from `from` (inclusive) to `to` (exclusive). */
export function daysBetween (from: string, to: string): string[] {
  const days: string[] = []
  for (let day = from; day < to; day = addDays(day, 1)) days.push(day)
  return days
}

export function firstOfMonth (now: Date): string {
  return `${now.getUTCFullYear()}-${pad(now.getUTCMonth() + 1)}-01`
}

export function utcToday (now: Date): string {
  return now.toISOString().slice(0, 10)
}

/** A datetime-local input's value (the viewer's zone) as an ISO instant, or undefined when empty. */
export function localInputToIso (value: string): string | undefined {
  if (!value) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

/** An ISO instant as a datetime-local input's value in the viewer's zone. */
export function isoToLocalInput (iso: string): string {
  const d = new Date(iso)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}
