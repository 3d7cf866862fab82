// npm run replicas: compose.yaml's topology without containers. REPLICAS (default 2) gateway processes on one
// PostgreSQL and one Redis, in front of the simulator, each on its own port and each running the workers, after the
// one-shot migration, until Ctrl-C. Every replica gets the environment of compose.yaml's `gateway` service, except the
// settings that name a place in the compose network or a port of its host, which get this machine's equivalent:
// DATABASE_URL and REDIS_URL when set, otherwise a fresh database on the test PostgreSQL (dropped at exit) and the
// local Redis, or a throwaway redis-server. Prints every replica, the shared admin key, a demo team's jobs key and
// commands to try.
import { randomUUID } from 'node:crypto'
import { createTestDatabase } from '../test/helpers/test-database.ts'
import { cli, freePort, sharedRedis, startReplicas } from '../test/helpers/processes.ts'
import { startTestSimulator } from '../test/helpers/simulator.ts'
import { startVideoServer } from '../test/helpers/video-server.ts'
import { readCompose, serviceEnvironment } from './compose-env.ts'

// each names a host or port of the compose network; the rest of the service's environment is used unchanged
const LOCAL_EQUIVALENT = new Set([
  'HOST', 'PORT', 'PUBLIC_URL', 'DATABASE_URL', 'REDIS_URL', 'TENSORPIX_BASE_URL', 'TENSORPIX_TOKEN',
  'GATEWAY_ADMIN_KEY', 'METRICS_HOST', 'METRICS_PORT'
])

const cleanups: Array<() => unknown> = []
const teardown = { teardown: (fn: () => unknown) => { cleanups.push(fn) } }

async function stop (code: number) {
  for (const cleanup of cleanups.reverse()) await cleanup()
  process.exit(code)
}

async function admin (origin: string, key: string, path: string, body: unknown) {
  const res = await fetch(`${origin}/admin/v1${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  const answer = await res.json() as Record<string, unknown>
  if (!res.ok && res.status !== 409) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(answer)}`)
  return answer
}

async function databaseUrl (): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL
  const database = await createTestDatabase()
  teardown.teardown(database.drop)
  return database.url
}

async function main () {
  const count = Number(process.env.REPLICAS ?? 2)
  const composed = serviceEnvironment(readCompose(), 'gateway')
  const kept = Object.fromEntries(Object.entries(composed).filter(([name]) => !LOCAL_EQUIVALENT.has(name)))
  const replaced = Object.keys(composed).filter(name => LOCAL_EQUIVALENT.has(name))
  const database = await databaseUrl()
  const redis = process.env.REDIS_URL ?? await sharedRedis(teardown)
  const sim = await startTestSimulator(teardown)
  const videos = await startVideoServer(teardown)
  // compose's one-shot `migrate` service: the same command with the same environment, before any replica starts
  const migration = await cli(['migrate'], { ...kept, DATABASE_URL: database, TENSORPIX_BASE_URL: sim.url, TENSORPIX_TOKEN: sim.token })
  if (migration.code !== 0) throw new Error(`migrate exited with ${migration.code}: ${migration.stderr}`)
  // compose gives every replica METRICS_PORT on its own address; here they share one, so each gets its own port
  const metricsPorts = 'METRICS_PORT' in composed ? await Promise.all(Array.from({ length: count }, () => freePort())) : []
  const { replicas, adminKey } = await startReplicas(teardown, {
    count,
    databaseUrl: database,
    redisUrl: redis,
    upstream: sim,
    env: kept,
    perReplica: (index): Record<string, string> => metricsPorts.length ? { METRICS_HOST: '127.0.0.1', METRICS_PORT: String(metricsPorts[index]) } : {},
    // a developer's machine busy with other work: better a slow start than none
    startTimeoutMs: 90_000
  })
  const metricsOf = (index: number) => metricsPorts.length
    ? `metrics without a key: http://127.0.0.1:${metricsPorts[index]}/metrics`
    : 'metrics: /metrics with the admin key'
  const first = replicas[0]?.url ?? ''
  // 10 requests a minute for the whole team, counted in Redis: the 11th is refused whichever replica it reaches
  await admin(first, adminKey, '/teams', {
    slug: 'replicas-demo',
    name: 'Replicas demo',
    budget: { credits: '100', period: 'month', mode: 'hard' },
    limits: { requestsPerMinute: 10 },
    urlPolicy: { httpsOnly: false }
  })
  const { key, id } = await admin(first, adminKey, '/teams/replicas-demo/keys', { name: `demo-${randomUUID().slice(0, 8)}`, scopes: ['jobs:read', 'jobs:write'] })
  const body = JSON.stringify({ video_url: videos.url('clip-320x180-24fps-48f.mp4'), ml_models: [34] })
  process.stdout.write([
    `gateway environment of compose.yaml's gateway service: ${Object.keys(kept).join(', ')}`,
    `  replaced by this machine's equivalent: ${replaced.join(', ')}`,
    `migrate: ${migration.stdout.trim()}`,
    `${count} replicas on one PostgreSQL and one Redis (${redis}), in front of the simulator at ${sim.url}:`,
    ...replicas.map((r, i) => `  replica ${i + 1}: ${r.url}   (${metricsOf(i)})`),
    '', `admin key: ${adminKey}`, `jobs key of team replicas-demo (10 requests/min for the team): ${String(key)}`, '',
    'A create on one replica, read back on another:',
    `  curl -sS -X POST ${first}/api/jobs/from-url/ -H 'Authorization: Token ${String(key)}' -H 'Content-Type: application/json' -d '${body}'`,
    `  curl -sS ${replicas.at(-1)?.url}/api/jobs/ -H 'Authorization: Token ${String(key)}'`,
    'The team limit holds across replicas (the 11th request of the minute is 429, whichever replica answers):',
    `  for i in $(seq 12); do for r in ${replicas.map(r => r.url).join(' ')}; do curl -s -o /dev/null -w '%{http_code} ' $r/api/jobs/ -H 'Authorization: Token ${String(key)}'; done; done; echo`,
    'Revoke the key through replica 1; every replica refuses it within 2 s:',
    `  curl -sS -X DELETE ${first}/admin/v1/keys/${String(id)} -H 'Authorization: Bearer ${adminKey}'`,
    '', 'Ctrl-C stops everything.', ''
  ].join('\n'))
}

process.once('SIGINT', () => { stop(0).catch(() => process.exit(1)) })
process.once('SIGTERM', () => { stop(0).catch(() => process.exit(1)) })
main().catch(async err => {
  process.stderr.write(`replicas: ${(err as Error).message}\n`)
  await stop(1)
})
