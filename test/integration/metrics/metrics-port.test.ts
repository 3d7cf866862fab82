// METRICS_PORT: the gateway process (src/server.ts) serves the scrape on a second listener without a key, and the
// main port has no /metrics at all.
import t from 'tap'
import { generateKey } from '../../../src/auth/key-format.ts'
import { loadConfig } from '../../../src/config.ts'
import { createLogger } from '../../../src/http/logger.ts'
import { startGateway } from '../../../src/server.ts'
import { freePort } from '../../helpers/processes.ts'
import { metricValue, parseMetrics } from '../../helpers/prometheus.ts'
import { startTestSimulator } from '../../helpers/simulator.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'

t.test('with METRICS_PORT, /metrics moves to its own unauthenticated listener', async t => {
  const sim = await startTestSimulator(t)
  const database = await createTestDatabase()
  t.teardown(database.drop)
  const metricsPort = await freePort()
  const admin = generateKey().key
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    TENSORPIX_BASE_URL: sim.url,
    TENSORPIX_TOKEN: sim.token,
    GATEWAY_ADMIN_KEY: admin,
    WORKERS: 'false',
    PORT: '0',
    METRICS_PORT: String(metricsPort)
  })
  const gateway = await startGateway(config, createLogger({ level: 'silent' }))
  t.teardown(gateway.close)
  t.equal(gateway.metricsUrl, `http://127.0.0.1:${metricsPort}/metrics`)

  const onMain = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })
  t.equal(onMain.status, 404, 'the main port does not serve metrics, even to an admin key')
  t.equal((await fetch(`${gateway.url}/api/jobs/`)).status, 401, 'traffic on the main port')

  const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
  t.equal(scraped.status, 200, 'no key needed on the metrics port')
  t.match(scraped.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  const samples = parseMetrics(await scraped.text())
  t.ok(metricValue(samples, 'tpx_http_requests_total', { route: '/api/jobs/', status: '401' }) >= 1, 'it counts the main port\'s traffic')
  t.ok(metricValue(samples, 'tpx_http_requests_total', { route: '(unmatched)', status: '404' }) >= 1, 'including the refused /metrics')
  t.equal(metricValue(samples, 'tpx_metrics_database_up'), 1)
  t.equal((await fetch(`http://127.0.0.1:${metricsPort}/api/jobs/`)).status, 404, 'and serves nothing else')
})
