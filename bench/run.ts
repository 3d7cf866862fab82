// npm run bench: one run that starts the simulator, a bare undici proxy, a hello-world Fastify and the gateway (on
// a real PostgreSQL) as separate processes, loads each with autocannon from this process, and prints throughput,
// p50/p99 latency and the ratios gateway/bare-proxy and gateway/direct. Results are appended to bench/results/.
// BENCH_DURATION (seconds, default 10) and BENCH_CONNECTIONS (default 50) tune the load; BENCH_PROFILE_DIR writes a
// CPU profile of the gateway there; BENCH_ONLY=get|create|401 runs one scenario.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import http from 'node:http'
import os from 'node:os'
import autocannon from 'autocannon'
import pg from 'pg'
import { createTestDatabase } from '../test/helpers/test-database.ts'
import { generateKey, hashKey } from '../src/auth/key-format.ts'

const DURATION = Number(process.env.BENCH_DURATION ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const SIM_TOKEN = 'bench-sim-token'
const root = new URL('..', import.meta.url).pathname
const children: ChildProcess[] = []
// the memory settings the Docker image runs with (Dockerfile ENV), for the gateway and the bare proxy alike
const RUNTIME_ENV = { MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=8' }

async function freePort (): Promise<number> {
  return new Promise(resolve => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function start (args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  children.push(child)
  return child
}

async function waitFor (url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(url).then(r => r.status < 500, () => false)
    if (ok) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`${url} did not come up`)
}

function rssMb (pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find(l => l.startsWith('VmRSS:')) ?? '0'
  return Math.round(Number(line.replace(/\D/g, '')) / 1024)
}

// CPU time (user + system, all threads) a process has used, in ms: /proc/<pid>/stat fields 14 and 15, in clock ticks
function cpuMs (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS
}
const CLOCK_TICKS = 100

interface Figures {
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
  statuses: Record<string, number>
  // the target process's own CPU per answered request: what it costs, whatever else competes for the cores
  cpuUsPerRequest: number
}

async function load (pid: number, url: string, options: { method?: 'GET' | 'POST', headers?: Record<string, string>, body?: string } = {}): Promise<Figures> {
  const cpuBefore = cpuMs(pid)
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, ...options })
  const cpu = cpuMs(pid) - cpuBefore
  return {
    cpuUsPerRequest: Math.round(cpu * 1000 / Math.max(1, result.requests.total)),
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {})
      .map(([code, stat]: [string, { count?: number }]) => [code, stat.count ?? 0]))
  }
}

async function openKeepAliveConnections (origin: string, count: number): Promise<http.Agent> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: count })
  await Promise.all(Array.from({ length: count }, () => new Promise<void>((resolve, reject) => {
    http.get(`${origin}/healthz`, { agent }, res => { res.resume(); res.on('end', resolve) }).on('error', reject)
  })))
  return agent
}

async function seed (databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const team = await client.query<{ id: string }>(`INSERT INTO teams (id, slug, name, budget_credits, max_job_cost, url_policy, updated_at)
    VALUES (gen_random_uuid(), 'bench', 'Bench', 1000000000, 1, '{"httpsOnly": false}', now()) RETURNING id`)
  const key = generateKey()
  await client.query(`INSERT INTO api_keys (id, team_id, name, public_id, secret_hash, scopes, updated_at)
    VALUES (gen_random_uuid(), $1, 'bench', $2, $3, '{jobs:read,jobs:write}', now())`, [team.rows[0]!.id, key.publicId, hashKey(key.key)])
  await client.end()
  return key.key
}

function videoServer (bytes: Buffer): Promise<{ url: string, close(): void }> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length })
    res.end(req.method === 'HEAD' ? undefined : bytes)
  })
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number }
    resolve({ url: `http://127.0.0.1:${port}/clip.mp4`, close: () => server.close() })
  }))
}

const ratio = (a: number, b: number) => b === 0 ? 'n/a' : `${Math.round(a / b * 100)} %`

async function main () {
  const database = await createTestDatabase()
  const [simPort, proxyPort, helloPort, gatewayPort] =
    await Promise.all([freePort(), freePort(), freePort(), freePort()])
  const sim = `http://127.0.0.1:${simPort}`
  const proxy = `http://127.0.0.1:${proxyPort}`
  const gateway = `http://127.0.0.1:${gatewayPort}`
  const video = await videoServer(readFileSync(new URL('../src/runtime/media/sample.mp4', import.meta.url)))
  try {
    const simProcess = start(['bin/tpx-gateway.js', 'simulator', '--port', String(simPort), '--token', SIM_TOKEN, '--control'])
    await waitFor(`${sim}/api/ml-models/`)
    // a balance no benchmark can exhaust
    await fetch(`${sim}/__sim/accounts/${SIM_TOKEN}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ balance: '999999999' }) })
    const proxyProcess = start(['--import', 'tsx', 'bench/bare-proxy.ts', String(proxyPort), sim, SIM_TOKEN], RUNTIME_ENV)
    const helloProcess = start(['--import', 'tsx', 'bench/hello.ts', String(helloPort)])
    const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []
    const gatewayProcess = start([...profile, 'bin/tpx-gateway.js', 'serve'], {
      ...RUNTIME_ENV,
      DATABASE_URL: database.url,
      TENSORPIX_BASE_URL: sim,
      TENSORPIX_TOKEN: SIM_TOKEN,
      PORT: String(gatewayPort),
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      WORKERS: 'false',
      // the 401 scenario measures the refusal itself; with the default limit the flood turns into (cheaper) 429s
      AUTH_FAILURES_PER_MINUTE: '0',
      // the bare proxy has no cap on TensorPix calls either: the comparison is of the gateway's own cost
      UPSTREAM_MAX_RPS: '0'
    })
    await Promise.all([waitFor(`${proxy}/api/ml-models/`), waitFor(`http://127.0.0.1:${helloPort}/hello`), waitFor(`${gateway}/healthz`)])
    const key = await seed(database.url)
    const auth = { authorization: `Token ${key}`, 'content-type': 'application/json' }
    const createBody = JSON.stringify({ video_url: video.url, ml_models: [34] })
    const created = await (await fetch(`${gateway}/api/jobs/from-url/`, { method: 'POST', headers: auth, body: createBody })).json() as { id: number }
    const simAuth = { authorization: `Token ${SIM_TOKEN}`, 'content-type': 'application/json' }
    const jobPath = `/api/jobs/${created.id}/`

    const rows: Array<{ scenario: string, target: string } & Figures> = []
    const pids: Record<string, number> = {
      direct: simProcess.pid as number,
      'bare proxy': proxyProcess.pid as number,
      'hello-world': helloProcess.pid as number,
      gateway: gatewayProcess.pid as number
    }
    const run = async (scenario: string, target: string, url: string, options: Parameters<typeof load>[2]) => {
      const figures = await load(pids[target] as number, url, options)
      rows.push({ scenario, target, ...figures })
      console.log(`${scenario.padEnd(28)} ${target.padEnd(12)} ${String(figures.rps).padStart(7)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms  ` +
        `${String(figures.cpuUsPerRequest).padStart(4)} µs CPU/req  errors ${figures.errors}  statuses ${JSON.stringify(figures.statuses)}`)
    }
    const only = process.env.BENCH_ONLY
    const wanted = (name: string) => !only || only === name
    if (wanted('get')) await run('GET /api/jobs/{id}/', 'direct', `${sim}${jobPath}`, { headers: simAuth })
    if (wanted('get')) await run('GET /api/jobs/{id}/', 'bare proxy', `${proxy}${jobPath}`, {})
    if (wanted('get')) await run('GET /api/jobs/{id}/', 'gateway', `${gateway}${jobPath}`, { headers: auth })
    if (wanted('create')) await run('POST /api/jobs/from-url/', 'direct', `${sim}/api/jobs/from-url/`, { method: 'POST', headers: simAuth, body: createBody })
    if (wanted('create')) await run('POST /api/jobs/from-url/', 'bare proxy', `${proxy}/api/jobs/from-url/`, { method: 'POST', headers: simAuth, body: createBody })
    if (wanted('create')) await run('POST /api/jobs/from-url/', 'gateway', `${gateway}/api/jobs/from-url/`, { method: 'POST', headers: auth, body: createBody })
    if (wanted('401')) await run('401 invalid key', 'hello-world', `http://127.0.0.1:${helloPort}/hello`, {})
    if (wanted('401')) await run('401 invalid key', 'gateway', `${gateway}/api/jobs/`, { headers: { authorization: 'Token tgw_aaaaaaaaaaaa_' + 'x'.repeat(43) } })

    const agents = [await openKeepAliveConnections(gateway, 1000), await openKeepAliveConnections(proxy, 1000)]
    const memory = { gatewayMb: rssMb(gatewayProcess.pid as number), bareProxyMb: rssMb(proxyProcess.pid as number) }
    agents.forEach(agent => agent.destroy())
    console.log(`RSS at 1,000 keep-alive connections: gateway ${memory.gatewayMb} MB, bare proxy ${memory.bareProxyMb} MB`)

    const pick = (scenario: string, target: string) =>
      rows.find(r => r.scenario === scenario && r.target === target) as Figures
    const ran = (scenario: string) => rows.some(r => r.scenario === scenario)
    const summary = ['GET /api/jobs/{id}/', 'POST /api/jobs/from-url/'].filter(ran).map(scenario => {
      const g = pick(scenario, 'gateway')
      return `${scenario}: gateway/bare proxy ${ratio(g.rps, pick(scenario, 'bare proxy').rps)}, gateway/direct ${ratio(g.rps, pick(scenario, 'direct').rps)}, ` +
        `added p99 vs bare proxy ${g.p99 - pick(scenario, 'bare proxy').p99} ms, ` +
        `CPU per request ${g.cpuUsPerRequest} µs vs ${pick(scenario, 'bare proxy').cpuUsPerRequest} µs for the bare proxy`
    })
    if (ran('401 invalid key')) summary.push(`401 invalid key: gateway/hello-world ${ratio(pick('401 invalid key', 'gateway').rps, pick('401 invalid key', 'hello-world').rps)}`)
    console.log('\n' + summary.join('\n'))
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    writeFileSync(new URL(`./results/${stamp}.json`, import.meta.url), JSON.stringify({
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      durationS: DURATION,
      connections: CONNECTIONS,
      rows,
      memory,
      summary
    }, null, 2) + '\n')
  } finally {
    video.close()
    for (const child of children) child.kill('SIGTERM')
    await new Promise(resolve => setTimeout(resolve, 500))
    await database.drop()
  }
}

await main()
process.exit(0)
