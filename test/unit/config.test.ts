import t from 'tap'
import { ConfigError, CREATE_DATABASE_ALLOWANCE_MS, loadConfig, longestCreateInFlightMs } from '../../src/config.ts'
import { TRANSACTIONS } from '../../src/db/client.ts'

t.test('defaults with nothing set', async t => {
  const config = loadConfig({})
  t.equal(config.PORT, 8080)
  t.equal(config.HOST, '127.0.0.1')
  t.equal(config.TENSORPIX_BASE_URL, 'https://backend.tensorpix.ai')
  t.equal(config.NODE_ENV, 'development')
  t.equal(config.DATABASE_URL, undefined)
  t.ok(Object.isFrozen(config))
})

t.test('values are converted from strings', async t => {
  const config = loadConfig({ PORT: '9000', UPSTREAM_CONNECTIONS: '8', DATABASE_URL: 'postgresql://u:p@db:5432/x' })
  t.equal(config.PORT, 9000)
  t.equal(config.UPSTREAM_CONNECTIONS, 8)
  t.equal(config.DATABASE_URL, 'postgresql://u:p@db:5432/x')
})

t.test('every bad value is reported at once, by name', async t => {
  const error = t.throws(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', GATEWAY_ADMIN_KEY: 'secret' }))
  t.type(error, ConfigError)
  const { problems, message } = error as ConfigError
  t.equal(problems.length, 4)
  for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'GATEWAY_ADMIN_KEY']) t.match(message, name)
  t.notMatch(message, /\n/, 'one paragraph')
})

t.test('empty strings count as unset', async t => {
  t.equal(loadConfig({ PORT: '', REDIS_URL: '' }).PORT, 8080)
})

t.test('production needs the master token', async t => {
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), /TENSORPIX_TOKEN/)
  t.equal(loadConfig({ NODE_ENV: 'production', TENSORPIX_TOKEN: 'x' }).NODE_ENV, 'production')
})

t.test('metrics listener settings', async t => {
  t.equal(loadConfig({}).METRICS_PORT, undefined, 'no separate listener by default')
  t.equal(loadConfig({}).METRICS_HOST, '127.0.0.1')
  t.equal(loadConfig({ METRICS_PORT: '9464' }).METRICS_PORT, 9464)
  t.throws(() => loadConfig({ PORT: '9000', METRICS_PORT: '9000' }), /METRICS_PORT=9000 must differ from PORT/)
  t.equal(loadConfig({ PORT: '0', METRICS_PORT: '0' }).METRICS_PORT, 0, 'two free ports are two ports')
})

t.test('the outbound guard is closed unless opened explicitly', async t => {
  const closed = loadConfig({})
  t.equal(closed.OUTBOUND_ALLOW_LOOPBACK, false)
  t.equal(closed.OUTBOUND_ALLOW_PRIVATE, false)
  const open = loadConfig({ OUTBOUND_ALLOW_LOOPBACK: 'true', OUTBOUND_ALLOW_PRIVATE: 'true', WEBHOOK_MAX_ATTEMPTS: '3' })
  t.equal(open.OUTBOUND_ALLOW_LOOPBACK, true)
  t.equal(open.OUTBOUND_ALLOW_PRIVATE, true)
  t.equal(open.WEBHOOK_MAX_ATTEMPTS, 3)
  t.throws(() => loadConfig({ OUTBOUND_ALLOW_LOOPBACK: 'maybe' }), /OUTBOUND_ALLOW_LOOPBACK/)
})

t.test('hardening settings: proxies, CORS origins and limits', async t => {
  const config = loadConfig({ TRUST_PROXY: '10.0.0.0/8,127.0.0.1', CORS_ORIGINS: 'https://a.example,http://localhost:3000', ADMIN_PORT: '9090' })
  t.equal(config.TRUST_PROXY, '10.0.0.0/8,127.0.0.1')
  t.equal(config.ADMIN_PORT, 9090)
  t.equal(config.MAX_HEADER_BYTES, 16384)
  t.equal(config.AUTH_FAILURES_PER_MINUTE, 300)
  t.equal(config.AUTH_UNKNOWN_LOOKUPS_PER_SECOND, 100)
  t.equal(loadConfig({ AUTH_UNKNOWN_LOOKUPS_PER_SECOND: '0' }).AUTH_UNKNOWN_LOOKUPS_PER_SECOND, 0, '0 = no cap')
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY, 'true')
  const error = t.throws(() => loadConfig({
    TRUST_PROXY: 'everyone', CORS_ORIGINS: '*', AUTH_UNKNOWN_LOOKUPS_PER_SECOND: '-1', MAX_HEADER_BYTES: '10'
  })) as ConfigError
  t.same(error.problems.map(p => p.split('=')[0]), ['TRUST_PROXY', 'CORS_ORIGINS', 'AUTH_UNKNOWN_LOOKUPS_PER_SECOND', 'MAX_HEADER_BYTES'])
  const words = t.throws(() => loadConfig({ AUTH_UNKNOWN_LOOKUPS_PER_SECOND: 'many' })) as ConfigError
  t.match(words.problems, [/^AUTH_UNKNOWN_LOOKUPS_PER_SECOND="many" is not database lookups per second .*\(0 = no cap\)$/])
})

// Regression (issue 15, 6): a STALE_PENDING_MS under the upstream timeouts let reconciliation release a create that
// was still waiting for TensorPix's 201, and the 201 then came for a released record.
t.test('STALE_PENDING_MS must exceed the longest a create can be in flight', async t => {
  const defaults = loadConfig({})
  t.ok(defaults.STALE_PENDING_MS > longestCreateInFlightMs(defaults), 'the defaults agree')
  t.equal(longestCreateInFlightMs(defaults), 2000 + 5000 + 30000 + 30000 + 25000,
    'queue wait, connect, headers and body timeouts, and the database\'s share')
  t.equal(CREATE_DATABASE_ALLOWANCE_MS, TRANSACTIONS.maxWait + TRANSACTIONS.timeout, 'the share follows the database')
  const error = t.throws(() => loadConfig({ STALE_PENDING_MS: '60000' })) as ConfigError
  t.type(error, ConfigError)
  t.match(error.message, /STALE_PENDING_MS=60000 must exceed .* 92000 ms/)
  t.match(error.message, /UPSTREAM_HEADERS_TIMEOUT_MS 30000/, 'naming the settings behind the figure')
  t.throws(() => loadConfig({ UPSTREAM_BODY_TIMEOUT_MS: '120000' }), /STALE_PENDING_MS/, 'a longer timeout counts too')
  const short = { STALE_PENDING_MS: '3000', UPSTREAM_QUEUE_WAIT_MS: '100', UPSTREAM_CONNECT_TIMEOUT_MS: '100' }
  t.throws(() => loadConfig({ ...short, UPSTREAM_HEADERS_TIMEOUT_MS: '100', UPSTREAM_BODY_TIMEOUT_MS: '100' }),
    /STALE_PENDING_MS=3000/)
  t.equal(loadConfig({ STALE_PENDING_MS: '93000' }).STALE_PENDING_MS, 93000, 'above it: accepted')
})

t.test('JOB_REFRESH_MS: 0 turns the poll memory off; more than a minute is refused', async t => {
  t.equal(loadConfig({ JOB_REFRESH_MS: '0' }).JOB_REFRESH_MS, 0)
  t.equal(loadConfig({ JOB_REFRESH_MS: '60000' }).JOB_REFRESH_MS, 60_000)
  t.throws(() => loadConfig({ JOB_REFRESH_MS: '60001' }), /JOB_REFRESH_MS/, 'a running job shown a minute old or more')
})
