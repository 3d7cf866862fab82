// The gateway process: resolve the database (configured or embedded) and the upstream (TensorPix or the
// in-process simulator), migrate, bootstrap, build the app and listen. Nothing here is needed by tests of routes.
import type { Logger } from 'pino'
import { buildApp } from './app.ts'
import { longestCreateInFlightMs, type Config } from './config.ts'
import { createDb } from './db/client.ts'
import { startEmbeddedPostgres } from './db/embedded-postgres.ts'
import { applyMigrations, pendingMigrations } from './db/migrations.ts'
import { bootstrap, type BootstrapResult } from './runtime/bootstrap.ts'
import { startDemoUpstream } from './runtime/demo-upstream.ts'
import type { UpstreamTarget } from './upstream/target.ts'
import { printWelcome } from './runtime/welcome.ts'
import { startWorkers } from './workers/index.ts'
import { startMetricsListener } from './metrics/listener.ts'
import { outboundPolicyOf } from './net/outbound.ts'
import type { App } from './http/types.ts'
import { seedSemantics } from './account/beliefs.ts'

export interface RunningGateway { app: App, url: string, metricsUrl: string | null, close(): Promise<void> }

type Cleanup = () => Promise<void>
type ResolvedUpstream = UpstreamTarget & { sampleVideoUrl?: string }

async function resolveDatabase (config: Readonly<Config>, log: Logger, cleanups: Cleanup[]): Promise<string> {
  if (!config.DATABASE_URL) {
    log.warn('DATABASE_URL is not set: using an embedded PostgreSQL under DATA_DIR (not for production)')
    const url = await startEmbedded(config, log, cleanups)
    await migrate(url, log)
    return url
  }
  // Production migrates as an explicit release step (`tpx-gateway migrate`); elsewhere, at startup.
  if (config.NODE_ENV !== 'production') {
    await migrate(config.DATABASE_URL, log)
  } else {
    const pending = await pendingMigrations(config.DATABASE_URL)
    if (pending.length > 0) {
      throw new Error(`the database lacks migrations ${pending.join(', ')}; run \`tpx-gateway migrate\` first`)
    }
  }
  return config.DATABASE_URL
}

async function migrate (url: string, log: Logger) {
  const applied = await applyMigrations(url)
  if (applied.length > 0) log.info({ applied }, 'applied database migrations')
}

async function startEmbedded (config: Readonly<Config>, log: Logger, cleanups: Cleanup[]): Promise<string> {
  const embedded = await startEmbeddedPostgres(config.DATA_DIR, log)
  cleanups.push(embedded.stop)
  return embedded.url
}

async function resolveUpstream (config: Readonly<Config>, log: Logger, cleanups: Cleanup[]): Promise<ResolvedUpstream> {
  if (config.TENSORPIX_TOKEN) {
    return { baseUrl: config.TENSORPIX_BASE_URL, token: config.TENSORPIX_TOKEN, simulated: false }
  }
  const demo = await startDemoUpstream({ dataDir: config.DATA_DIR, controlApi: config.DEMO_SIMULATOR_CONTROL })
  cleanups.push(demo.close)
  log.warn({ simulator: demo.baseUrl },
    '!!! TENSORPIX_TOKEN is not set: forwarding to the built-in TensorPix SIMULATOR. No real jobs run and no real ' +
    'credits are spent. Set TENSORPIX_TOKEN to use TensorPix.')
  if (config.DEMO_SIMULATOR_CONTROL) {
    log.warn({ control: `${demo.baseUrl}/__sim/` }, 'the simulator control API is on: anyone who can reach it can change faults and balances')
  }
  return demo
}

/** The METRICS_PORT listener when configured; the URL it serves the scrape on (null: /metrics on the main port). */
async function listenForScrapes (config: Readonly<Config>, app: App, cleanups: Cleanup[]): Promise<string | null> {
  if (config.METRICS_PORT === undefined) return null
  const listener = await startMetricsListener({
    host: config.METRICS_HOST, port: config.METRICS_PORT, scraper: app.metrics, logger: app.log
  })
  cleanups.push(listener.close)
  app.log.info({ metrics: listener.url }, 'metrics listening without a key on their own port')
  return listener.url
}

async function runCleanups (cleanups: Cleanup[]) {
  for (const cleanup of cleanups.reverse()) await cleanup()
}

export async function startGateway (config: Readonly<Config>, logger: Logger): Promise<RunningGateway> {
  const cleanups: Cleanup[] = []
  try {
    const databaseUrl = await resolveDatabase(config, logger, cleanups)
    const upstream = await resolveUpstream(config, logger, cleanups)
    const db = createDb({ url: databaseUrl, poolSize: config.DATABASE_POOL_SIZE })
    cleanups.push(() => db.$disconnect())
    const created: BootstrapResult = await bootstrap(db, {
      adminKey: config.GATEWAY_ADMIN_KEY, createDemoTeam: upstream.simulated
    })
    const overruled = await seedSemantics(db, {
      failed: config.ACCOUNT_FAILED_JOB_COST, cancelled: config.ACCOUNT_CANCELLED_JOB_COST
    })
    if (overruled.length > 0) logger.warn({ overruled }, 'account semantics: the configured belief replaces the observed one')
    const app = await buildApp(config, { db, databaseUrl, logger, upstream })
    cleanups.push(() => app.close())
    if (config.WORKERS) {
      const workers = startWorkers({ db, upstream: app.upstream, log: logger, polls: app.jobPolls }, {
        everyMs: config.WORKER_INTERVAL_MS,
        graceMs: config.RECONCILE_GRACE_MS,
        stalePendingMs: config.STALE_PENDING_MS,
        retentionEveryMs: config.RETENTION_INTERVAL_MS,
        drift: { everyMs: config.DRIFT_CHECK_INTERVAL_MS, lookbackDays: config.DRIFT_LOOKBACK_DAYS },
        accountCheck: {
          intervalMs: config.ACCOUNT_CHECK_INTERVAL_MS, createInFlightMs: longestCreateInFlightMs(config)
        },
        webhooks: {
          policy: outboundPolicyOf(config),
          timeoutMs: config.WEBHOOK_TIMEOUT_MS,
          maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
          retryBaseMs: config.WEBHOOK_RETRY_BASE_MS
        }
      })
      cleanups.push(() => workers.stop())
    }
    await app.listen({ host: config.HOST, port: config.PORT })
    const address = app.server.address()
    const url = httpUrl(config.HOST, typeof address === 'object' && address ? address.port : config.PORT)
    let controlUrl = url
    if (config.ADMIN_PORT !== undefined) {
      const admin = await app.listenAdmin({ host: config.ADMIN_HOST ?? config.HOST, port: config.ADMIN_PORT })
      logger.info(admin, 'control plane (/admin, /docs, /dashboard) on its own listener')
      controlUrl = httpUrl(admin.host, admin.port)
    }
    const metricsUrl = await listenForScrapes(config, app, cleanups)
    printWelcome({ url, controlUrl, created, upstream })
    return { app, url, metricsUrl, close: () => runCleanups(cleanups) }
  } catch (err) {
    await runCleanups(cleanups)
    throw err
  }
}

function httpUrl (host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}
