// Cross-replica invalidation of cached keys: writers NOTIFY in the same transaction as the change (delivered at
// commit), every replica LISTENs and drops what it cached. While the listening connection is down nothing is cached,
// so a revocation can never outlive the 2-second promise because a notification was missed.
import pg from 'pg'
import type { Principal } from './principal.ts'

export const KEY_CHANNEL = 'tpx_key_changed'
const RECONNECT_MS = 1000
// a half-open connection raises no error; a query that is not answered in time means the notifications are lost too
const HEARTBEAT_MS = 1000
const HEARTBEAT_TIMEOUT_MS = 1500

export type Invalidation = { publicId: string } | { teamId: string } | { all: true }

export function encodeInvalidation (what: Invalidation): string {
  return JSON.stringify(what)
}

interface Entry { principal: Principal | null, expiresAt: number }

export interface KeyCacheOptions {
  databaseUrl: string
  log: { warn(details: object, message: string): void }
  ttlMs?: number
  negativeTtlMs?: number
  maxEntries?: number
}

export class KeyCache {
  private readonly entries = new Map<string, Entry>()
  private client: pg.Client | null = null
  private listening = false
  private closed = false
  private reconnectTimer: NodeJS.Timeout | undefined
  private heartbeatTimer: NodeJS.Timeout | undefined
  // bumped by every invalidation: a principal loaded before one may be stale and is not cached
  generation = 0
  hits = 0
  misses = 0

  constructor (private readonly options: KeyCacheOptions) {}

  async start (): Promise<void> {
    await this.connect().catch(err => this.scheduleReconnect(err))
  }

  get (keyHash: string, now: number): Entry | undefined {
    const entry = this.listening ? this.entries.get(keyHash) : undefined
    if (entry && entry.expiresAt > now) {
      this.hits++
      return entry
    }
    this.misses++
    return undefined
  }

  set (keyHash: string, principal: Principal | null, now: number, loadedAt: number): void {
    if (!this.listening || loadedAt !== this.generation) return
    const { ttlMs = 60_000, negativeTtlMs = 5_000, maxEntries = 50_000 } = this.options
    if (this.entries.size >= maxEntries) this.entries.delete(this.entries.keys().next().value as string)
    this.entries.set(keyHash, { principal, expiresAt: now + (principal ? ttlMs : negativeTtlMs) })
  }

  invalidate (what: Invalidation): void {
    this.generation++
    if ('all' in what) return this.entries.clear()
    for (const [hash, { principal }] of this.entries) {
      // a remembered refusal cannot say whose it was: any change may have made it wrong (a team re-enabled)
      if (!principal) {
        this.entries.delete(hash)
        continue
      }
      if (('publicId' in what && principal.publicId === what.publicId) || ('teamId' in what && principal.teamId === what.teamId)) {
        this.entries.delete(hash)
      }
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
    this.entries.clear()
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
