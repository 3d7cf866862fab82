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
import openapi from './http/openapi.ts'
import { useGatewayErrors } from './http/errors.ts'
import { Decimal } from 'decimal.js'
import auth from './auth/plugin.ts'
import metrics from './metrics/plugin.ts'
import upstream from './upstream/plugin.ts'
import { dashboardRoutes } from './dashboard/plugin.ts'
import { healthRoutes } from './health/routes.ts'
import { adminRoutes } from './routes/admin/index.ts'
import { outboundPolicyOf } from './net/outbound.ts'
import { tensorpixRoutes } from './routes/tensorpix/index.ts'
import { VERSION } from './version.ts'

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
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { allErrors: true } }
  }).withTypeProvider<TypeBoxTypeProvider>()

  useGatewayErrors(app)
  await app.register(requestContext)
  await app.register(openapi, { version: VERSION })
  await app.register(auth, { db: deps.db, databaseUrl: deps.databaseUrl })
  // before everything it observes: only routes registered after it are instrumented
  await app.register(metrics, { db: deps.db, serveOnMainPort: config.METRICS_PORT === undefined, stalePendingMs: config.STALE_PENDING_MS })
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

  // routes
  await app.register(healthRoutes, { db: deps.db })
  await app.register(adminRoutes, { prefix: '/admin/v1', db: deps.db, outbound: outboundPolicyOf(config) })
  await app.register(dashboardRoutes, { prefix: '/dashboard' })
  await app.register(tensorpixRoutes, {
    prefix: '/api',
    db: deps.db,
    defaultHold: new Decimal(config.DEFAULT_JOB_HOLD_CREDITS),
    maxUploadBytes: config.MAX_UPLOAD_BYTES
  })

  return app
}
