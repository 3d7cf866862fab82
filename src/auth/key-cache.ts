// Cross-replica invalidation of cached keys: writers NOTIFY in the same transaction as the change (delivered at
// commit), every replica hears it on its change feed (src/db/change-feed.ts) and drops what it cached. While the
// feed is down nothing is cached, so a revocation can never outlive the 2-second promise because a notification was
// missed.
import type { ChangeFeed, Subscriber } from '../db/change-feed.ts'

export const KEY_CHANNEL = 'tpx_key_changed'
export const MAX_KEYS = 50_000

export type Invalidation = { publicId: string } | { teamId: string } | { all: true }

export function encodeInvalidation (what: Invalidation): string {
  return JSON.stringify(what)
}

/**
 * What the cache holds per public id: the key's row as verification needs it (hashes, never a secret), or `null`
 * for a public id no key has. Both are looked up the same way, so a refusal costs the same whether the prefix
 * exists or not, and a flood of made-up keys never reaches the database twice for one prefix.
 */
export interface CachedKey<Row> { row: Row | null, expiresAt: number }

export interface KeyCacheOptions {
  feed: Pick<ChangeFeed, 'live' | 'subscribe'>
  ttlMs?: number
  absentTtlMs?: number
  maxKeys?: number
  // kept apart from the known keys, so that made-up prefixes can never evict a real key from the cache
  maxAbsent?: number
}

interface TeamOf { teamId: string | null }

export class KeyCache<Row extends TeamOf = TeamOf> implements Subscriber {
  private readonly known = new Map<string, CachedKey<Row>>()
  private readonly absent = new Map<string, CachedKey<Row>>()
  // the public ids a lookup found a key for, or a change notice named: kept through expiry, resets and a dead feed,
  // because nothing here is trusted to authenticate; it only tells a real key's lookup from a made-up prefix's
  private readonly keyIds = new Set<string>()
  // bumped by every invalidation: a row loaded before one may be stale and is not cached
  generation = 0

  constructor (private readonly options: KeyCacheOptions) {
    options.feed.subscribe([KEY_CHANNEL], this)
  }

  private get listening (): boolean {
    return this.options.feed.live
  }

  get size (): { known: number, absent: number } {
    return { known: this.known.size, absent: this.absent.size }
  }

  get (publicId: string, now: number): CachedKey<Row> | undefined {
    const entry = this.listening ? (this.known.get(publicId) ?? this.absent.get(publicId)) : undefined
    return entry && entry.expiresAt > now ? entry : undefined
  }

  /** Whether the public id is a key's, as far as this process has seen: its lookup is not a made-up prefix's. */
  isKey (publicId: string): boolean {
    return this.keyIds.has(publicId)
  }

  set (publicId: string, row: Row | null, now: number, loadedAt: number): void {
    if (loadedAt !== this.generation) return
    if (row) this.rememberKey(publicId)
    else this.keyIds.delete(publicId)
    if (!this.listening) return
    const { ttlMs = 60_000, absentTtlMs = 60_000, maxKeys = MAX_KEYS, maxAbsent = 10_000 } = this.options
    const [map, max, ttl] = row ? [this.known, maxKeys, ttlMs] : [this.absent, maxAbsent, absentTtlMs]
    map.delete(publicId)
    if (map.size >= max) map.delete(map.keys().next().value as string)
    map.set(publicId, { row, expiresAt: now + ttl })
  }

  invalidate (what: Invalidation): void {
    this.generation++
    if ('all' in what) {
      this.known.clear()
      this.absent.clear()
      return
    }
    if ('publicId' in what) {
      // a created key's prefix may have been probed (and remembered as absent) before; from now on it is a key's
      this.known.delete(what.publicId)
      this.absent.delete(what.publicId)
      this.rememberKey(what.publicId)
      return
    }
    for (const [publicId, { row }] of this.known) {
      if (row?.teamId === what.teamId) this.known.delete(publicId)
    }
  }

  /** Public ids read from the database, oldest first: with more than maxKeys, the newest are kept. */
  learnKeys (publicIds: Iterable<string>): void {
    for (const publicId of publicIds) this.rememberKey(publicId)
  }

  private rememberKey (publicId: string) {
    this.keyIds.delete(publicId)
    const oldest = this.keyIds.values().next().value
    if (oldest !== undefined && this.keyIds.size >= (this.options.maxKeys ?? MAX_KEYS)) this.keyIds.delete(oldest)
    this.keyIds.add(publicId)
  }

  changed (_channel: string, payload: string): void {
    try {
      this.invalidate(JSON.parse(payload) as Invalidation)
    } catch {
      this.invalidate({ all: true })
    }
  }

  reset (): void {
    this.generation++
    this.known.clear()
    this.absent.clear()
  }
}
