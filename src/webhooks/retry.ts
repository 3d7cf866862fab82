// When a failed delivery is tried again: exponential backoff from a base delay, capped, with jitter so that a
// receiver coming back from an outage is not hit by every queued event at the same instant. Pure.
export const MAX_RETRY_DELAY_MS = 3_600_000

/** The wait after failed attempt number `attempt` (1-based): between half and all of base × 2^(attempt−1). */
export function retryDelayMs (attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.min(attempt - 1, 30))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

export type DeliveryOutcome = 'delivered' | 'pending' | 'failed'

/** A delivery's state after an attempt: a 2xx delivers it; otherwise it waits for a retry until the last one. */
export function outcomeAfter (attempts: number, maxAttempts: number, succeeded: boolean): DeliveryOutcome {
  if (succeeded) return 'delivered'
  return attempts >= maxAttempts ? 'failed' : 'pending'
}
