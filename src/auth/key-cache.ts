// Cross-replica invalidation of cached keys: writers NOTIFY in the same transaction as the change (delivered at
// commit), every replica LISTENs and drops what it cached. While the listening connection is down nothing is cached,
// so a revocation can never outlive the 2-second promise because a notification was missed.
import pg from 'pg'

export const KEY_CHANNEL = 'tpx_key_changed'
const RECONNECT_MS = 1000
// a half-open connection raises no error; a query that is not answered in time means the notifications are lost too
const HEARTBEAT_MS = 1000
const HEARTBEAT_TIMEOUT_MS = 1500

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
  databaseUrl: string
  log: { warn(details: object, message: string): void }
  ttlMs?: number
  absentTtlMs?: number
  maxKeys?: number
  // kept apart from the known keys, so that made-up prefixes can never evict a real key from the cache
  maxAbsent?: number
}

interface TeamOf { teamId: string | null }

export class KeyCache<Row extends TeamOf = TeamOf> {
  private readonly known = new Map<string, CachedKey<Row>>()
  private readonly absent = new Map<string, CachedKey<Row>>()
  private client: pg.Client | null = null
  private listening = false
  private closed = false
  private reconnectTimer: NodeJS.Timeout | undefined
  private heartbeatTimer: NodeJS.Timeout | undefined
  // bumped by every invalidation: a row loaded before one may be stale and is not cached
  generation = 0
  hits = 0
  misses = 0

  constructor (private readonly options: KeyCacheOptions) {}

  async start (): Promise<void> {
    await this.connect().catch(err => this.scheduleReconnect(err))
  }

  get size (): { known: number, absent: number } {
    return { known: this.known.size, absent: this.absent.size }
  }

  get (publicId: string, now: number): CachedKey<Row> | undefined {
    const entry = this.listening ? (this.known.get(publicId) ?? this.absent.get(publicId)) : undefined
    if (entry && entry.expiresAt > now) {
      this.hits++
      return entry
    }
    this.misses++
    return undefined
  }

  set (publicId: string, row: Row | null, now: number, loadedAt: number): void {
    if (!this.listening || loadedAt !== this.generation) return
    const { ttlMs = 60_000, absentTtlMs = 60_000, maxKeys = 50_000, maxAbsent = 10_000 } = this.options
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
      // a created key's prefix may have been probed (and remembered as absent) before
      this.known.delete(what.publicId)
      this.absent.delete(what.publicId)
      return
    }
    for (const [publicId, { row }] of this.known) {
      if (row?.teamId === what.teamId) this.known.delete(publicId)
    }
  }

  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.reconnectTimer)
    clearInterval(this.heartbeatTimer)
    await this.client?.end().catch(() => {})
  }

  private async connect (): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl, keepAlive: true })
    client.on('error', err => this.lost(client, err))
    client.on('end', () => this.lost(client))
    client.on('notification', message => {
      if (message.channel !== KEY_CHANNEL || !message.payload) return
      try {
        this.invalidate(JSON.parse(message.payload) as Invalidation)
      } catch {
        this.invalidate({ all: true })
      }
    })
    await client.connect()
    await client.query(`LISTEN ${KEY_CHANNEL}`)
    this.client = client
    this.listening = true
    clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = setInterval(() => this.heartbeat(client), HEARTBEAT_MS)
    this.heartbeatTimer.unref()
  }

  private heartbeat (client: pg.Client) {
    const timeout = setTimeout(() => {
      this.lost(client, new Error('no answer on the LISTEN connection'))
      client.end().catch(() => {})
    }, HEARTBEAT_TIMEOUT_MS)
    client.query('SELECT 1').then(() => clearTimeout(timeout), () => {})
  }

  private lost (client: pg.Client, err?: Error) {
    if (this.client !== client) return
    this.client = null
    this.listening = false
    this.generation++
    clearInterval(this.heartbeatTimer)
    this.known.clear()
    this.absent.clear()
    if (!this.closed) this.scheduleReconnect(err)
  }

  private scheduleReconnect (err?: unknown) {
    if (this.closed) return
    this.options.log.warn({ err }, 'key cache: lost the LISTEN connection; verifying keys against the database until it is back')
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch(e => this.scheduleReconnect(e))
    }, RECONNECT_MS)
    this.reconnectTimer.unref()
  }
}
