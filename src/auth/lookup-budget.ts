// A token bucket for the database lookups of key prefixes nobody has seen: `perSecond` a second on average, and at
// most one second's worth saved up, so a flood of made-up keys from any number of addresses costs the database at
// most that many lookups a second, however it is spread. 0 = no cap.
export class LookupBudget {
  private tokens: number
  private refilledAt: number

  constructor (private readonly perSecond: number, now: number) {
    this.tokens = perSecond
    this.refilledAt = now
  }

  /** Spends one lookup if the budget has one left; false = over the cap, do not look up. */
  take (now: number): boolean {
    if (this.perSecond <= 0) return true
    // a clock that steps back refills nothing rather than draining the bucket
    const elapsed = Math.max(0, now - this.refilledAt)
    this.tokens = Math.min(this.perSecond, this.tokens + elapsed * this.perSecond / 1000)
    this.refilledAt = Math.max(this.refilledAt, now)
    if (this.tokens < 1) return false
    this.tokens--
    return true
  }
}
