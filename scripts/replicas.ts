// npm run replicas: REPLICAS (default 2) gateway processes on one PostgreSQL and one Redis, in front of the
// simulator, each on its own port and each running the workers, until Ctrl-C. DATABASE_URL and REDIS_URL are used
// when set; otherwise a fresh database on the test PostgreSQL (dropped at exit) and the local Redis, or a throwaway
// redis-server. Prints every replica, the shared admin key, a demo team's jobs key and commands to try.
import { randomUUID } from 'node:crypto'
import { createTestDatabase } from '../test/helpers/test-database.ts'
import { sharedRedis, startReplicas } from '../test/helpers/processes.ts'
import { startTestSimulator } from '../test/helpers/simulator.ts'
import { startVideoServer } from '../test/helpers/video-server.ts'

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
  const database = await databaseUrl()
  const redis = process.env.REDIS_URL ?? await sharedRedis(teardown)
  const sim = await startTestSimulator(teardown)
  const videos = await startVideoServer(teardown)
  const { replicas, adminKey } = await startReplicas(teardown, {
    count, databaseUrl: database, redisUrl: redis, upstream: sim, env: { NODE_ENV: 'development', LOG_LEVEL: 'warn' }
  })
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
    `${count} replicas on one PostgreSQL and one Redis (${redis}), in front of the simulator at ${sim.url}:`,
    ...replicas.map((r, i) => `  replica ${i + 1}: ${r.url}   (metrics: ${r.url}/metrics with the admin key)`),
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
