// compose.yaml is a valid Compose file whose topology holds together: every long-running service has a health check,
// the replicas wait for the migration to complete, the gateway's environment uses only names src/config.ts knows and
// passes its validation, and Prometheus and the collector are configured for what the replicas expose.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { Ajv } from 'ajv'
import t from 'tap'
import { parse } from 'yaml'
import { ConfigSchema, loadConfig } from '../../../src/config.ts'
import { COMPOSE_FILE, interpolate, readCompose, serviceEnvironment } from '../../../scripts/compose-env.ts'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const run = promisify(execFile)
const compose = readCompose()
const services = compose.services
const readYaml = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, unknown>

async function composeCli (): Promise<string | null> {
  try {
    await run('docker', ['compose', 'version'], { timeout: 10_000 })
    return null
  } catch (err) {
    const { code, stderr } = err as { code?: string | number, stderr?: string }
    return code === 'ENOENT' ? 'no docker client on this machine' : `docker compose is not available: ${String(stderr ?? code).trim()}`
  }
}

const missing = await composeCli()
const skip = missing ? `${missing}; the file is checked against the Compose Specification's schema below instead` : false

t.test('docker compose config accepts the file', { skip }, async t => {
  const { stdout } = await run('docker', ['compose', '-f', COMPOSE_FILE, 'config', '--services'], { cwd: ROOT, timeout: 30_000 })
  t.same(stdout.trim().split('\n').sort(), Object.keys(services).sort())
})

t.test('the file is valid against the Compose Specification', async t => {
  const schema = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/compose-spec/compose-spec.json'), 'utf8')) as object
  // the schema names its draft by an https URL ajv does not list; it is draft-07, which ajv speaks
  const validate = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(schema)
  t.ok(validate(compose), JSON.stringify(validate.errors))
  type Loose = { services: Record<string, { healthcheck: Record<string, unknown> }> }
  const misspelt = structuredClone(compose) as unknown as Loose
  const gatewayCheck = misspelt.services.gateway?.healthcheck
  if (gatewayCheck) gatewayCheck.intervall = '1s'
  t.notOk(validate(misspelt), 'a misspelt key is refused')
})

t.test('the topology', async t => {
  t.same(Object.keys(services).sort(),
    ['gateway', 'grafana', 'migrate', 'otel-collector', 'postgres', 'prometheus', 'redis', 'tensorpix'])
  t.ok((services.gateway?.deploy?.replicas ?? 1) >= 2, 'two or more gateway replicas')
  t.match(services.gateway?.depends_on, {
    migrate: { condition: 'service_completed_successfully' },
    postgres: { condition: 'service_healthy' },
    redis: { condition: 'service_healthy' }
  }, 'the replicas start once the migration has completed, on a healthy database and Redis')
  t.same(services.migrate?.command, ['migrate'])
  t.match(services.migrate?.depends_on, { postgres: { condition: 'service_healthy' } })
  for (const name of ['gateway', 'migrate', 'tensorpix']) t.equal(services[name]?.build, '.', `${name} is built from the repository's Dockerfile`)
})

t.test('every service has a health check, but the one-shot migration', async t => {
  const oneShot = new Set(Object.values(services).flatMap(service => Object.entries(service.depends_on ?? {})
    .filter(([, dependency]) => dependency.condition === 'service_completed_successfully').map(([name]) => name)))
  t.same([...oneShot], ['migrate'])
  for (const [name, service] of Object.entries(services)) {
    if (oneShot.has(name)) {
      t.same(service.healthcheck, { disable: true }, `${name} is judged by its exit code, and the image's check is off`)
      continue
    }
    t.match(service.healthcheck?.test?.[0], /^CMD(-SHELL)?$/, `${name} has a health check`)
  }
  t.match(services.gateway?.healthcheck?.test?.join(' '), /127\.0\.0\.1:8080\/readyz/, 'the gateway\'s is its readiness')
})

t.test('the gateway environment: names src/config.ts knows, values it accepts', async t => {
  const known = new Set(Object.keys(ConfigSchema.properties))
  for (const name of ['gateway', 'migrate']) {
    const unknown = Object.keys(services[name]?.environment ?? {}).filter(variable => !known.has(variable))
    t.same(unknown, [], `${name}: every variable is a setting of src/config.ts`)
  }
  t.same(services.migrate?.environment, services.gateway?.environment, 'the migration runs with the replicas\' environment')
  const env = serviceEnvironment(compose, 'gateway', {})
  const config = loadConfig(env)
  t.match(config, {
    NODE_ENV: 'production',
    HOST: '0.0.0.0',
    PORT: 8080,
    DATABASE_URL: 'postgres://gateway:gateway@postgres:5432/gateway',
    REDIS_URL: 'redis://redis:6379',
    TENSORPIX_BASE_URL: 'http://tensorpix:8090',
    METRICS_PORT: 9464,
    METRICS_HOST: '0.0.0.0',
    WORKERS: true
  }, 'the demo defaults load as a production configuration')
  t.equal(config.GATEWAY_ADMIN_KEY, undefined, 'no admin key in the file: the first replica prints one')
  const real = loadConfig(serviceEnvironment(compose, 'gateway', { TENSORPIX_BASE_URL: 'https://backend.tensorpix.ai', TENSORPIX_TOKEN: 'real-token' }))
  t.match(real, { TENSORPIX_BASE_URL: 'https://backend.tensorpix.ai', TENSORPIX_TOKEN: 'real-token' }, 'the real API from the shell')
  t.same(services.tensorpix?.command?.slice(0, 1), ['simulator'])
  t.ok(services.tensorpix?.command?.join(' ').includes(`--token ${env.TENSORPIX_TOKEN}`), 'the simulator accepts the demo token')
})

t.test('Prometheus finds every replica by DNS and scrapes its METRICS_PORT', async t => {
  const prometheus = readYaml('deploy/prometheus/prometheus.yml') as {
    scrape_configs: Array<{ job_name: string, dns_sd_configs?: Array<{ names: string[], type: string, port: number }> }>
  }
  const [job] = prometheus.scrape_configs
  t.equal(job?.job_name, 'tensorpix-gateway')
  t.match(job?.dns_sd_configs, [{ names: ['gateway'], type: 'A', port: Number(services.gateway?.environment?.METRICS_PORT) }],
    'the service name, so that scaled replicas are scraped too')
  t.ok(services.prometheus?.volumes?.includes('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro'))
})

t.test('the collector is ready to receive OTLP traces', async t => {
  const collector = readYaml('deploy/otel/collector.yaml') as {
    receivers: { otlp: { protocols: Record<string, { endpoint: string }> } }
    service: { pipelines: { traces: { receivers: string[] } }, extensions: string[] }
  }
  t.same(collector.receivers.otlp.protocols, { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } })
  t.ok(collector.service.pipelines.traces.receivers.includes('otlp'))
  t.ok(collector.service.extensions.includes('health_check'), 'its health check has an endpoint to ask')
  t.ok(services['otel-collector']?.volumes?.includes('./deploy/otel/collector.yaml:/etc/otelcol-contrib/config.yaml:ro'))
})

t.test('every file compose mounts is in the repository', async t => {
  const mounted = Object.values(services).flatMap(service => service.volumes ?? []).filter(volume => volume.startsWith('./'))
  t.ok(mounted.length >= 4)
  for (const volume of mounted) t.ok(existsSync(path.join(ROOT, volume.split(':')[0] as string)), volume)
})

// compose's own ${…} syntax, in plain strings
/* eslint-disable no-template-curly-in-string */
t.test('interpolation as compose does it', async t => {
  const env = { SET: 'given', EMPTY: '' }
  t.equal(interpolate('${SET:-fallback}', env), 'given')
  t.equal(interpolate('${EMPTY:-fallback}', env), 'fallback', ':- replaces an empty value')
  t.equal(interpolate('${EMPTY-fallback}', env), '', '- replaces only an unset one')
  t.equal(interpolate('${UNSET-fallback}', env), 'fallback')
  t.equal(interpolate('a ${SET} b $$ c', env), 'a given b $ c')
  t.throws(() => interpolate('${SET:?required}', env), /not supported/, 'syntax it does not know is refused')
  t.throws(() => interpolate('$SET', env), /not supported/)
})
