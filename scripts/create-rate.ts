// npx tsx scripts/create-rate.ts: how many creates per second one team gets through one gateway process when
// TensorPix answers at once, and the gateway's CPU per create. A stub stands in for TensorPix (a 201 with a job id
// and a cost, nothing else), so what is measured is the gateway's own path: the hold's and the settlement's
// transactions on the team's usage row. RATE_DURATION (s, default 10), RATE_CONNECTIONS (default 50),
// RATE_QUOTA=1 (the team has quotas, so its holds take the team row's lock too), RATE_POOL (database pool size),
// RATE_PROFILE_DIR (write the gateway's CPU profile there).
import { spawn } from 'node:child_process'
import http from 'node:http'
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import pg from 'pg'
import { generateKey, hashKey } from '../src/auth/key-format.ts'
import { createTestDatabase } from '../test/helpers/test-database.ts'
import { freePort, waitForHealth } from '../test/helpers/processes.ts'

const DURATION = Number(process.env.RATE_DURATION ?? 10)
const CONNECTIONS = Number(process.env.RATE_CONNECTIONS ?? 50)
const QUOTA = process.env.RATE_QUOTA === '1'
const STUB_TOKEN = 'create-rate-stub-token'

/** TensorPix as fast as it gets: the model list, and a 201 with a fresh job id for every create. */
function startStub (): Promise<{ url: string, close (): void }> {
  let next = 1
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const body = req.method === 'POST' && req.url?.startsWith('/api/jobs/')
        ? { id: next++, status: 0, cost_usd: '0.0100' }
        : { count: 1, next: null, previous: null, results: [{ id: 34, name: 'upscale 200%', task: 1, cost_weight: 1 }] }
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    })
  })
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number }
    resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close() })
  }))
}

async function seed (databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const quotas = QUOTA ? ', max_concurrent_jobs, max_jobs_per_day' : ''
  const quotaValues = QUOTA ? ', 100000000, 100000000' : ''
  const team = await client.query<{ id: string }>(`INSERT INTO teams (id, slug, name, budget_credits, max_job_cost, url_policy,
      updated_at${quotas})
    VALUES (gen_random_uuid(), 'rate', 'Rate', 1000000000, 1, '{"httpsOnly": false}', now()${quotaValues}) RETURNING id`)
  const key = generateKey()
  await client.query(`INSERT INTO api_keys (id, team_id, name, public_id, secret_hash, scopes, updated_at)
    VALUES (gen_random_uuid(), $1, 'rate', $2, $3, '{jobs:read,jobs:write}', now())`, [team.rows[0]?.id, key.publicId, hashKey(key.key)])
  await client.end()
  return key.key
}

// CPU time (user + system) of a process in ms: /proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms
function cpuMs (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
}

async function main () {
  const cleanups: Array<() => unknown> = []
  try {
    const database = await createTestDatabase()
    cleanups.push(database.drop)
    const stub = await startStub()
    cleanups.push(stub.close)
    const port = await freePort()
    const gateway = `http://127.0.0.1:${port}`
    const profile = process.env.RATE_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RATE_PROFILE_DIR}`] : []
    const child = spawn(process.execPath, [...profile, 'bin/tpx-gateway.js', 'serve'], {
      cwd: new URL('..', import.meta.url).pathname,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: database.url,
        TENSORPIX_BASE_URL: stub.url,
        TENSORPIX_TOKEN: STUB_TOKEN,
        WORKERS: 'false',
        LOG_LEVEL: 'warn',
        UPSTREAM_MAX_RPS: '0',
        ...(process.env.RATE_POOL ? { DATABASE_POOL_SIZE: process.env.RATE_POOL } : {})
      }
    })
    // stopped gently, so that a CPU profile is written
    cleanups.push(() => new Promise(resolve => { child.once('exit', resolve).kill('SIGTERM') }))
    await waitForHealth(gateway, 30_000, child)
    const pid = child.pid as number
    const key = await seed(database.url)
    const options = {
      url: `${gateway}/api/jobs/from-url/`,
      method: 'POST' as const,
      headers: { authorization: `Token ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ video_url: 'http://127.0.0.1:9/clip.mp4', ml_models: [34] })
    }
    await autocannon({ ...options, connections: 4, amount: 200 }) // warm: key cache, catalogue, JIT
    const cpuBefore = cpuMs(pid)
    const result = await autocannon({ ...options, connections: CONNECTIONS, duration: DURATION })
    const cpu = cpuMs(pid) - cpuBefore
    const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {})
      .map(([code, stat]: [string, { count?: number }]) => [code, stat.count ?? 0]))
    const created = statuses['201'] ?? 0
    console.log(`${CONNECTIONS} connections, ${DURATION} s${QUOTA ? ', team with quotas' : ''}: ` +
      `${Math.round(created / DURATION)} creates/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
      `gateway CPU ${(cpu / Math.max(1, created)).toFixed(2)} ms/create, errors ${result.errors + result.timeouts}, ` +
      `statuses ${JSON.stringify(statuses)}`)
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup()
  }
}

await main()
