// Per-token request budget in fixed one-minute windows on the simulated clock, like DRF's throttling: the answer
// to an over-budget request is 429 with Retry-After in whole seconds.

export type RateDecision = { allowed: true } | { allowed: false, retryAfterSeconds: number }

const WINDOW_MS = 60_000

export function createRateLimiter (perMinute: number) {
  const windows = new Map<string, { startedAt: number, count: number }>()
  return {
    reset () { windows.clear() },
    hit (key: string, now: number): RateDecision {
      if (perMinute <= 0) return { allowed: true }
      let window = windows.get(key)
      if (!window || now - window.startedAt >= WINDOW_MS) {
        window = { startedAt: now, count: 0 }
        windows.set(key, window)
      }
      if (window.count >= perMinute) {
        const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000))
        return { allowed: false, retryAfterSeconds }
      }
      window.count++
      return { allowed: true }
    }
  }
}

export type RateLimiter = ReturnType<typeof createRateLimiter>
