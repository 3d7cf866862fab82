// The arithmetic of the bench's summary, kept pure so it can be tested: percentiles of one run's latencies, and the
// median with its min–max over interleaved rounds.

/** The q-quantile (0..1) of ascending values, nearest rank; 0 for none. */
export function percentile (sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)))
  return sorted[rank - 1]!
}

export interface Spread { median: number, min: number, max: number }

/** Median (the mean of the middle two for an even count), min and max of the values that are not NaN; NaN for none. */
export function spread (values: readonly number[]): Spread {
  const sorted = values.filter(v => !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN }
  const middle = sorted.length / 2
  const median = sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2
  return { median, min: sorted[0]!, max: sorted.at(-1)! }
}

/** The spread of a figure taken round by round from two series of the same length (a ratio, a difference). */
export function pairwise (a: readonly number[], b: readonly number[],
  combine: (a: number, b: number) => number): Spread {
  if (a.length !== b.length) throw new Error(`rounds differ: ${a.length} vs ${b.length}`)
  return spread(a.map((value, i) => combine(value, b[i]!)))
}

/** How far the extremes lie from the median, as a fraction of it: the run-to-run reproducibility to check. */
export function relativeWidth ({ median, min, max }: Spread): number {
  return median === 0 ? 0 : Math.max(median - min, max - median) / Math.abs(median)
}
