// buildApp wires every plugin and route in one visible place; it never listens (server.ts does), so tests build
// exactly what production runs.
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Logger } from 'pino'
import type { Config } from './config.ts'
import type { Db } from './db/client.ts'
import type { App } from './http/types.ts'
import type { UpstreamTarget } from './upstream/target.ts'
import { requestIdFor } from './http/request-context.ts'
import requestContext from './http/request-context.ts'
import requestRateLimits from './http/rate-limit.ts'
import openapi, { docsUi } from './http/openapi.ts'
import limits, { DATA_PLANE_BODY_BYTES, fastifyLimitOptions, httpServerOptions } from './http/limits.ts'
import { markPlane, splitListenersPlugin } from './http/planes.ts'
import { controlPlaneHeaders, dataPlaneHeaders } from './http/security-headers.ts'
import authRefusals from './auth/refusals.ts'
import { useGatewayErrors } from './http/errors.ts'
import { Decimal } from 'decimal.js'
import auth from './auth/plugin.ts'
import metrics from './metrics/plugin.ts'
import changeFeed from './db/change-feed.ts'
import upstream from './upstream/plugin.ts'
import { dashboardRoutes } from './routes/dashboard.ts'
import { healthRoutes } from './routes/health.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { adminRoutes } from './routes/admin/index.ts'
import { outboundPolicyOf } from './net/outbound.ts'
import { tensorpixRoutes } from './routes/tensorpix/index.ts'
import { JobPolls } from './jobs/polls.ts'
import { VERSION } from './version.ts'

declare module 'fastify' {
  // what this replica last heard from TensorPix about each job: the data plane's reads and the status sync share it
  interface FastifyInstance { jobPolls: JobPolls }
}

export interface AppDeps {
  db: Db
  databaseUrl: string
  logger: Logger
  upstream: UpstreamTarget
}

export async function buildApp (config: Readonly<Config>, deps: AppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // one access-log line per request comes from request-context.ts instead of Fastify's two
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdFor,
    ...fastifyLimitOptions(config),
    ...(config.TRUST_PROXY ? { trustProxy: config.TRUST_PROXY === 'true' ? true : config.TRUST_PROXY } : {}),
    // strictNumbers off: with it on, ajv 8.20 lets a query value of "Infinity" through an integer's maximum once
    // coerced (found by test/property/data-plane.test.ts); off, the bounds are checked (every integer has one).
    // removeAdditional off: Fastify's default would silently drop a field outside a closed create body, where the
    // client must learn which field was refused (src/tensorpix/requests.ts)
    ajv: { customOptions: { allErrors: true, strictNumbers: false, removeAdditional: false } }
  }).withTypeProvider<TypeBoxTypeProvider>()

  useGatewayErrors(app)
  await app.register(requestContext)
  await app.register(limits, { maxUrlLength: config.MAX_URL_LENGTH, bodyTimeoutMs: config.BODY_TIMEOUT_MS })
  if (config.ADMIN_PORT !== undefined) {
    await app.register(splitListenersPlugin, {
      serverOptions: httpServerOptions(config), idleTimeoutMs: config.IDLE_TIMEOUT_MS
    })
  }
  await app.register(openapi, { version: VERSION })
  await app.register(changeFeed, { databaseUrl: deps.databaseUrl })
  await app.register(auth, { db: deps.db, unknownLookupsPerSecond: config.AUTH_UNKNOWN_LOOKUPS_PER_SECOND })
  // before everything it observes: only routes registered after it are instrumented
  await app.register(metrics, { db: deps.db, stalePendingMs: config.STALE_PENDING_MS })
  // METRICS_PORT serves the scrape on a listener of its own instead (src/metrics/listener.ts)
  if (config.METRICS_PORT === undefined) await app.register(metricsRoutes)
  await app.register(upstream, {
    target: deps.upstream,
    options: {
      connections: config.UPSTREAM_CONNECTIONS,
      maxConcurrent: config.UPSTREAM_MAX_CONCURRENCY,
      perSecond: config.UPSTREAM_MAX_RPS,
      maxQueueWaitMs: config.UPSTREAM_QUEUE_WAIT_MS,
      connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: config.UPSTREAM_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: config.UPSTREAM_BODY_TIMEOUT_MS
    }
  })

  await app.register(requestRateLimits, { redisUrl: config.REDIS_URL })
  await app.register(authRefusals, { perMinute: config.AUTH_FAILURES_PER_MINUTE })

  app.decorate('jobPolls', new JobPolls({ windowMs: config.JOB_REFRESH_MS, endedMs: config.JOB_ENDED_REFRESH_MS }))

  // routes: health on every listener; each plane on its own when ADMIN_PORT is set (src/http/planes.ts)
  await app.register(healthRoutes, { db: deps.db })
  await app.register(async function controlPlane (scope) {
    markPlane(scope, 'control')
    await controlPlaneHeaders(scope)
    await docsUi(scope)
    await scope.register(adminRoutes, { prefix: '/admin/v1', db: deps.db, outbound: outboundPolicyOf(config) })
    await scope.register(dashboardRoutes, { prefix: '/dashboard' })
  })
  await app.register(async function dataPlane (scope) {
    markPlane(scope, 'data')
    scope.addHook('onRoute', route => { route.bodyLimit ??= DATA_PLANE_BODY_BYTES })
    await dataPlaneHeaders(scope, { corsOrigins: config.CORS_ORIGINS })
    await scope.register(tensorpixRoutes, {
      db: deps.db,
      defaultHold: new Decimal(config.DEFAULT_JOB_HOLD_CREDITS),
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      publicUrl: config.PUBLIC_URL,
      polls: app.jobPolls
    })
  }, { prefix: '/api' })

  return app
}
