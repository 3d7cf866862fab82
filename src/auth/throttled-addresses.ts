// The client addresses this process has answered 429 for failed authentication, each until its throttle ends. Read
// before a key is looked up, so that an address already over AUTH_FAILURES_PER_MINUTE costs neither a database
// lookup nor a round trip to the shared counter (src/auth/refusals.ts). Bounded: an address pushed out by newer
// ones is still throttled by the shared counter, only after its lookup.
export class ThrottledAddresses {
  private readonly ends = new Map<string, number>()

  constructor (private readonly max = 10_000) {}

  throttle (address: string, until: number): void {
    this.ends.delete(address)
    if (this.ends.size >= this.max) this.ends.delete(this.ends.keys().next().value as string)
    this.ends.set(address, until)
  }

  /** When the address's throttle ends, or null when it is not throttled at `now`. */
  endOf (address: string, now: number): number | null {
    const end = this.ends.get(address)
    if (end === undefined) return null
    if (end > now) return end
    this.ends.delete(address)
    return null
  }

  get size (): number {
    return this.ends.size
  }
}
