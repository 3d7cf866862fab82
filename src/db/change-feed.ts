// One LISTEN connection for the per-replica caches that another replica's writes make stale. Writers NOTIFY in the
// transaction of the change, so the notice is delivered at commit. A cache may serve an entry only while the feed
// is `live`: when the connection drops, or stops answering its heartbeat, every subscriber is reset and reads go
// to the database until it is back, so a missed notification can never leave a stale entry in use.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import pg from 'pg'

const RECONNECT_MS = 1000
// a half-open connection raises no error; a query that is not answered in time means the notifications are lost too
const HEARTBEAT_MS = 1000
const HEARTBEAT_TIMEOUT_MS = 1500
// how the connection shows in pg_stat_activity
export const CHANGE_FEED_APPLICATION = 'tpx-change-feed'

export interface ChangeFeedOptions {
  databaseUrl: string
  log: { warn(details: object, message: string): void }
}

export interface Subscriber {
  /** A notification on one of the subscribed channels. */
  changed(channel: string, payload: string): void
  /** Everything may have changed unseen: forget it all. */
  reset(): void
}

export class ChangeFeed {
  private readonly subscribers = new Map<string, Subscriber[]>()
  private client: pg.Client | null = null
  private closed = false
  private reconnectTimer: NodeJS.Timeout | undefined
  private heartbeatTimer: NodeJS.Timeout | undefined
  live = false

  constructor (private readonly options: ChangeFeedOptions) {}

  /** Subscribes before start(); channel names are SQL identifiers of our own (never user input). */
  subscribe (channels: string[], subscriber: Subscriber): void {
    for (const channel of channels) {
      this.subscribers.set(channel, [...(this.subscribers.get(channel) ?? []), subscriber])
    }
  }

  async start (): Promise<void> {
    await this.connect().catch(err => this.scheduleReconnect(err))
  }

  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.reconnectTimer)
    clearInterval(this.heartbeatTimer)
    await this.client?.end().catch(() => {})
  }

  private async connect (): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      keepAlive: true,
      application_name: CHANGE_FEED_APPLICATION
    })
    client.on('error', err => this.lost(client, err))
    client.on('end', () => this.lost(client))
    client.on('notification', message => {
      for (const subscriber of this.subscribers.get(message.channel) ?? []) subscriber.changed(message.channel, message.payload ?? '')
    })
    await client.connect()
    for (const channel of this.subscribers.keys()) await client.query(`LISTEN ${channel}`)
    this.client = client
    this.live = true
    // a read that began while the feed was down may have missed a notice nobody was listening for
    this.resetSubscribers()
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
    this.live = false
    clearInterval(this.heartbeatTimer)
    this.resetSubscribers()
    if (!this.closed) this.scheduleReconnect(err)
  }

  private resetSubscribers () {
    for (const subscriber of new Set([...this.subscribers.values()].flat())) subscriber.reset()
  }

  private scheduleReconnect (err?: unknown) {
    if (this.closed) return
    this.options.log.warn({ err }, 'change feed: lost the LISTEN connection; caches read through to the database until it is back')
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch(e => this.scheduleReconnect(e))
    }, RECONNECT_MS)
    this.reconnectTimer.unref()
  }
}

declare module 'fastify' {
  interface FastifyInstance { changes: ChangeFeed }
}

// connects once every plugin has subscribed
async function changeFeed (app: FastifyInstance, { databaseUrl }: { databaseUrl: string }) {
  const feed = new ChangeFeed({ databaseUrl, log: app.log })
  app.decorate('changes', feed)
  app.addHook('onReady', () => feed.start())
  app.addHook('onClose', () => feed.close())
}

export default fp(changeFeed, { name: 'change-feed' })
