// The only reader of process.env. Every setting is declared once here; the type derives from the schema.
import { Type, type Static, type TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { KEY_PATTERN } from './auth/key-format.ts'

const Port = (description: string, fallback?: number) => Type.Integer({
  minimum: 0, maximum: 65535, description, ...(fallback === undefined ? {} : { default: fallback })
})
const Millis = (description: string, fallback: number) => Type.Integer({ minimum: 1, description, default: fallback })
const OneOf = <T extends string>(values: readonly T[], fallback: T, description: string) =>
  Type.Union(values.map(v => Type.Literal(v)), { default: fallback, description: `${description}: one of ${values.join(', ')}` })

export const ConfigSchema = Type.Object({
  NODE_ENV: OneOf(['development', 'production', 'test'] as const, 'development', 'run mode'),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'interface to listen on' }),
  PORT: Port('HTTP port (0 = any free port)', 8080),
  METRICS_PORT: Type.Optional(Port('a separate port serving /metrics without a key, for a private network (0 = any free port)')),
  METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'interface of the METRICS_PORT listener' }),
  ADMIN_PORT: Type.Optional(Port('a separate port for the control plane (/admin, /docs, /dashboard); unset: served on PORT')),
  ADMIN_HOST: Type.Optional(Type.String({ minLength: 1, description: 'interface of the ADMIN_PORT listener (default: HOST)' })),
  TRUST_PROXY: Type.Optional(Type.String({
    pattern: '^(true|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$',
    description: 'true, or comma-separated proxy addresses/CIDRs whose X-Forwarded-For names the client'
  })),
  // pagination links must not be built from a client's Host header (it can name any host): this, or a trusted proxy's
  // X-Forwarded-Host, or the address the connection was accepted on (src/routes/tensorpix/forward.ts gatewayOrigin)
  PUBLIC_URL: Type.Optional(Type.String({
    pattern: '^https?://[^\\s/]+(:\\d+)?/?$',
    description: 'the origin clients reach the gateway at, for pagination links: an http(s) origin like https://gateway.example.com'
  })),
  CORS_ORIGINS: Type.Optional(Type.String({
    pattern: '^https?://[^\\s,]+(,https?://[^\\s,]+)*$', description: 'comma-separated origins allowed to call /api from a browser'
  })),
  AUTH_FAILURES_PER_MINUTE: Type.Integer({ minimum: 0, default: 300, description: 'refused keys per client address per minute before 429 (0 = no limit)' }),
  AUTH_UNKNOWN_LOOKUPS_PER_SECOND: Type.Integer({
    minimum: 0, default: 100, description: 'database lookups per second per replica for key prefixes no key is known to have, across all addresses (0 = no cap)'
  }),
  MAX_HEADER_BYTES: Type.Integer({ minimum: 1024, maximum: 1024 * 1024, default: 16 * 1024, description: 'request line plus headers, in bytes' }),
  MAX_URL_LENGTH: Type.Integer({ minimum: 256, maximum: 65536, default: 4096, description: 'longest request target (path and query), in characters' }),
  MAX_BODY_BYTES: Type.Integer({ minimum: 1024, default: 256 * 1024, description: 'largest request body except uploads, in bytes' }),
  HEADERS_TIMEOUT_MS: Millis('time a client has to send the request headers, in ms', 10_000),
  BODY_TIMEOUT_MS: Millis('time a client has to send a request body (uploads excepted), in ms', 30_000),
  IDLE_TIMEOUT_MS: Millis('a connection (an upload too) with no bytes moving for this long is closed, in ms', 60_000),
  // longer than the 60 s idle timeout of common load balancers, so that they, not we, close idle connections
  KEEP_ALIVE_TIMEOUT_MS: Millis('how long an idle keep-alive connection stays open, in ms', 72_000),
  LOG_LEVEL: OneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info', 'log level'),
  DATABASE_URL: Type.Optional(Type.String({
    pattern: '^postgres(ql)?://[^\\s]+$', description: 'a postgres:// or postgresql:// URL'
  })),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 500, default: 20, description: 'PostgreSQL connections per replica' }),
  DATA_DIR: Type.String({ minLength: 1, default: '.data', description: 'directory for the embedded PostgreSQL' }),
  TENSORPIX_BASE_URL: Type.String({
    pattern: '^https?://[^\\s/]+(:\\d+)?/?$', default: 'https://backend.tensorpix.ai', description: 'an http(s) origin'
  }),
  TENSORPIX_TOKEN: Type.Optional(Type.String({ minLength: 1, description: 'the TensorPix master API token' })),
  DEMO_SIMULATOR_CONTROL: Type.Boolean({
    default: false, description: "demo mode: serve the simulator's /__sim/ control API (faults, clock, accounts): true or false"
  }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://[^\\s]+$', description: 'a redis:// URL' })),
  GATEWAY_ADMIN_KEY: Type.Optional(Type.String({
    pattern: KEY_PATTERN.source,
    description: 'a gateway key: tgw_<12 chars a-z2-7>_<at least 32 chars A-Za-z0-9_->'
  })),
  DEFAULT_JOB_HOLD_CREDITS: Type.String({
    pattern: '^\\d{1,12}(\\.\\d{1,4})?$',
    default: '10',
    description: 'credits held per non-preview job when its team sets no maxJobCost: a decimal like 10 or 12.5'
  }),
  MAX_UPLOAD_BYTES: Type.Integer({ minimum: 1, default: 5 * 1024 ** 3, description: 'default per-team upload limit in bytes' }),
  WORKERS: Type.Boolean({ default: true, description: 'run the background workers in this process: true or false' }),
  WORKER_INTERVAL_MS: Millis('pause between worker passes in ms', 2000),
  RECONCILE_GRACE_MS: Millis('how long a lost create is looked for at TensorPix before its hold is released, in ms', 10 * 60_000),
  STALE_PENDING_MS: Millis('age in ms after which a create with no upstream answer is reconciled; more than the ' +
    'upstream timeouts, UPSTREAM_QUEUE_WAIT_MS and 25 s for the database together', 2 * 60_000),
  UPSTREAM_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 1024, default: 64, description: 'upstream pool size' }),
  UPSTREAM_MAX_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 4096, default: 64, description: 'concurrent TensorPix calls per replica, shared fairly between teams' }),
  // TensorPix documents a 429 on every endpoint but no number (../shared/tensorpix/API.md §2.3): 10 a second per
  // replica (600 a minute) is a guess meant to stay under it, not a known limit; lower it when 429s show up
  UPSTREAM_MAX_RPS: Type.Integer({
    minimum: 0, default: 10, description: 'TensorPix calls per second per replica (0 = no cap); keep it under TensorPix\'s limit ÷ replicas'
  }),
  // a poll answered from memory spends none of the shared account's rate limit (src/jobs/polls.ts)
  // a client polling a running job sees it at most this old: beyond a minute the memory hides progress and endings
  JOB_REFRESH_MS: Type.Integer({
    minimum: 0, maximum: 60_000, default: 1000, description: 'a running job read from TensorPix less than this many ms ago is answered from this replica\'s memory (0 = ask TensorPix on every poll)'
  }),
  // TensorPix documents that its links expire, not when (../shared/tensorpix/API.md §6.1, §7.1): the limit for
  // links that do not say (src/jobs/poll-freshness.ts)
  JOB_ENDED_REFRESH_MS: Millis('an ended job (finished, failed, cancelled) is read from TensorPix again after this many ms at most, ' +
    'sooner when its presigned links would have less than half their life left', 5 * 60_000),
  UPSTREAM_QUEUE_WAIT_MS: Millis('longest wait in ms for an upstream slot before answering 503', 2000),
  UPSTREAM_CONNECT_TIMEOUT_MS: Millis('upstream connect timeout in ms', 5000),
  UPSTREAM_HEADERS_TIMEOUT_MS: Millis('upstream response-headers timeout in ms', 30000),
  UPSTREAM_BODY_TIMEOUT_MS: Millis('upstream body timeout in ms', 30000),
  OUTBOUND_ALLOW_LOOPBACK: Type.Boolean({
    default: false, description: 'let webhooks call loopback addresses, and plain http:// to a loopback host: true or false'
  }),
  OUTBOUND_ALLOW_PRIVATE: Type.Boolean({
    default: false, description: 'let webhooks call private (RFC 1918, CGNAT, fc00::/7) addresses: true or false'
  }),
  WEBHOOK_TIMEOUT_MS: Millis('time limit of one webhook delivery attempt in ms', 5000),
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'webhook delivery attempts before giving up' }),
  WEBHOOK_RETRY_BASE_MS: Millis('delay before the first webhook retry in ms; doubles each attempt, up to an hour', 30_000),
  RETENTION_INTERVAL_MS: Millis('pause between retention passes in ms', 60_000),
  DRIFT_CHECK_INTERVAL_MS: Millis('pause between reconciliation drift checks in ms', 15 * 60_000),
  DRIFT_LOOKBACK_DAYS: Type.Integer({ minimum: 0, maximum: 366, default: 7, description: 'UTC days before today the drift check reconciles' }),
  ACCOUNT_CHECK_INTERVAL_MS: Millis('pause between account checks (the master balance against the ledger) in ms', 60_000),
  // unset = today's assumption, stored as 'assumed'; an account check that observes otherwise overrules either
  ACCOUNT_FAILED_JOB_COST: Type.Optional(Type.Union([Type.Literal('refunded'), Type.Literal('as_reported')], {
    description: 'what a failed job costs: refunded (nothing) or as_reported (its cost_usd)'
  })),
  ACCOUNT_CANCELLED_JOB_COST: Type.Optional(Type.Union([Type.Literal('as_reported'), Type.Literal('gross')], {
    description: 'what a cancelled job\'s cost_usd means: as_reported (net of the refund) or gross (the refund shows only in the balance)'
  }))
})

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  constructor (readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}. Fix the environment and start again.`)
    this.name = 'ConfigError'
  }
}

function describe (schema: TSchema): string {
  return (schema as { description?: string }).description ?? 'invalid value'
}

// The database's share of a create's time in flight (src/db/client.ts TRANSACTIONS): the rest of the hold's
// transaction after the row is written (its timeout, 15 s) and the settlement's wait for a connection (10 s)
export const CREATE_DATABASE_ALLOWANCE_MS = 25_000

/**
 * The longest a create can be in flight after its row is written: a slot in the upstream queue, the connection, the
 * answer's headers and body, and the database's share. A pending create older than this has lost its request.
 */
export function longestCreateInFlightMs (config: Pick<Config, 'UPSTREAM_QUEUE_WAIT_MS' | 'UPSTREAM_CONNECT_TIMEOUT_MS' |
'UPSTREAM_HEADERS_TIMEOUT_MS' | 'UPSTREAM_BODY_TIMEOUT_MS'>): number {
  return config.UPSTREAM_QUEUE_WAIT_MS + config.UPSTREAM_CONNECT_TIMEOUT_MS + config.UPSTREAM_HEADERS_TIMEOUT_MS +
    config.UPSTREAM_BODY_TIMEOUT_MS + CREATE_DATABASE_ALLOWANCE_MS
}

// reconciliation treats a pending create older than STALE_PENDING_MS as lost: one still waiting for TensorPix's
// answer would be settled or released under its own request
function stalePendingProblem (config: Config): string | null {
  const longest = longestCreateInFlightMs(config)
  if (config.STALE_PENDING_MS > longest) return null
  return `STALE_PENDING_MS=${config.STALE_PENDING_MS} must exceed the longest a create can wait for TensorPix, ` +
    `${longest} ms (UPSTREAM_QUEUE_WAIT_MS ${config.UPSTREAM_QUEUE_WAIT_MS} + UPSTREAM_CONNECT_TIMEOUT_MS ` +
    `${config.UPSTREAM_CONNECT_TIMEOUT_MS} + UPSTREAM_HEADERS_TIMEOUT_MS ${config.UPSTREAM_HEADERS_TIMEOUT_MS} + ` +
    `UPSTREAM_BODY_TIMEOUT_MS ${config.UPSTREAM_BODY_TIMEOUT_MS} + ${CREATE_DATABASE_ALLOWANCE_MS} for the database): ` +
    'raise it or lower those'
}

/** Validates the environment and reports every bad value at once; empty strings count as unset. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const input: Record<string, string> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') input[key] = value
  }
  const config = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, input)) as Record<string, unknown>
  // checked key by key: one message per setting, and no early stop after the first failing one
  const properties = ConfigSchema.properties as Record<string, TSchema>
  const problems = Object.entries(properties)
    .filter(([key, schema]) => config[key] !== undefined && !Value.Check(schema, config[key]))
    .map(([key, schema]) => `${key}=${JSON.stringify(input[key])} is not ${describe(schema)}`)
  if (problems.length > 0) throw new ConfigError(problems)
  const parsed = config as unknown as Config
  if (parsed.METRICS_PORT !== undefined && parsed.METRICS_PORT !== 0 && parsed.METRICS_PORT === parsed.PORT) {
    throw new ConfigError([`METRICS_PORT=${parsed.METRICS_PORT} must differ from PORT: the metrics listener is a second one`])
  }
  const stale = stalePendingProblem(parsed)
  if (stale) throw new ConfigError([stale])
  if (parsed.NODE_ENV === 'production' && !parsed.TENSORPIX_TOKEN) {
    throw new ConfigError(['TENSORPIX_TOKEN is required when NODE_ENV=production (the simulator only runs outside production)'])
  }
  return Object.freeze(parsed)
}
