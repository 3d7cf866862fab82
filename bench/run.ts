// npm run bench: the gateway against its limits on this machine, in figures that reproduce from run to run.
//
// Every target is its own process: a fast TensorPix stub (bench/fast-upstream.ts), the gateway (bin/tpx-gateway.js
// serve, on a fresh database of the local PostgreSQL) and a bare undici proxy (bench/bare-proxy.ts) both in front of
// it, and a hello-world Fastify answering 401 (bench/hello.ts). The load comes from a process of its own
// (bench/load.ts); this one only orchestrates, and reads each target's CPU time and RSS from /proc. Each comparison
// runs A B A B … (bench/measure.ts) and reports medians with min–max. Results go to bench/results/<timestamp>.json,
// and the markdown table for the README is printed at the end. Settings: bench/settings.ts.
import { execFileSync, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { createTestDatabase } from '../test/helpers/test-database.ts'
import { generateKey, hashKey } from '../src/auth/key-format.ts'
import { Children, childrenOf, describeStrays, findStrays, rssMb } from './processes.ts'
import { spread } from './stats.ts'
import type { Target } from './load.ts'
import { Bench, LoadGenerator, type Side } from './measure.ts'
import { markdownReport, summarise, type Comparison, type Measurement, type Report } from './report.ts'
import { commandLine, readSettings, type Settings } from './settings.ts'

const UPSTREAM_TOKEN = 'bench-upstream-token'
const INVALID_KEY = 'Token tgw_aaaaaaaaaaaa_' + 'x'.repeat(43)
const CREATE_BODY = JSON.stringify({ video_url: 'https://videos.example.com/clip.mp4', ml_models: [34] })
const root = new URL('..', import.meta.url).pathname
// the memory settings the Docker image runs with (Dockerfile ENV), for the gateway and the bare proxy alike
const RUNTIME_ENV = { MALLOC_ARENA_MAX: '2', NODE_OPTIONS: '--max-semi-space-size=8' }
const TSX = ['--import', 'tsx']

class RefusedToStart extends Error {}

function gatewayEnv (databaseUrl: string, upstreamUrl: string, port: number): Record<string, string> {
  return {
    ...RUNTIME_ENV,
    DATABASE_URL: databaseUrl,
    TENSORPIX_BASE_URL: upstreamUrl,
    TENSORPIX_TOKEN: UPSTREAM_TOKEN,
    PORT: String(port),
    HOST: '127.0.0.1',
    // the production start: migrations are checked, not applied (the database is cloned from a migrated template)
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    // no background passes (status sync, reconciliation, account check) competing with the measured requests
    WORKERS: 'false',
    // the 401 scenario measures the refusal itself; with the default limit the flood turns into (cheaper) 429s
    AUTH_FAILURES_PER_MINUTE: '0',
    // the bare proxy has no cap on TensorPix calls either: the comparison is of the gateway's own cost
    UPSTREAM_MAX_RPS: '0'
  }
}

async function freePort (): Promise<number> {
  return new Promise(resolve => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

const readyMessage = (child: ChildProcess, name: string) => new Promise<void>((resolve, reject) => {
  child.once('message', message => message === 'ready' ? resolve() : reject(new Error(`${name}: ${String(message)}`)))
  child.once('exit', code => reject(new Error(`${name} exited with ${code} before it was ready`)))
})

/** Polls until the URL answers `status`; returns the ms since `since`. */
async function answered (url: string, status: number, since: number, child: ChildProcess): Promise<number> {
  while (performance.now() - since < 120_000) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`)
    if (await fetch(url).then(r => r.status === status, () => false)) return performance.now() - since
    await sleep(5)
  }
  throw new Error(`${url} did not answer ${status} within 120 s`)
}

/** One key for the hot team, and one for each of the others. */
async function seed (databaseUrl: string, teams: number): Promise<{ one: string, many: string[] }> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const keys: string[] = []
    for (let i = 0; i <= teams; i++) {
      const team = await client.query<{ id: string }>(`INSERT INTO teams (id, slug, name, budget_credits, max_job_cost,
        updated_at) VALUES (gen_random_uuid(), $1, $2, 1000000000, 1, now()) RETURNING id`, [`bench-${i}`, `Bench ${i}`])
      const key = generateKey()
      await client.query(`INSERT INTO api_keys (id, team_id, name, public_id, secret_hash, scopes, updated_at)
        VALUES (gen_random_uuid(), $1, 'bench', $2, $3, '{jobs:read,jobs:write}', now())`,
      [team.rows[0]!.id, key.publicId, hashKey(key.key)])
      keys.push(`Token ${key.key}`)
    }
    return { one: keys[0]!, many: keys.slice(1) }
  } finally {
    await client.end()
  }
}

function gitCommit (): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim()
    const dirty = git('status', '--porcelain', '--', 'src', 'bench', 'bin', 'package.json')
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' (with uncommitted changes)' : ''}`
  } catch {
    return 'unknown'
  }
}

const loadAverages = () => os.loadavg().map(l => Math.round(l * 100) / 100)

/** From spawn to the gateway's first 200 on /readyz, and to hello-world's first answer, A B A B. */
async function startupRounds (
  children: Children, settings: Settings, gatewayEnvAt: (port: number) => Record<string, string>
): Promise<Comparison> {
  const port = await freePort()
  const startup: Comparison = { name: 'start-up', a: [], b: [] }
  const timed = async (target: string, args: string[], path: string, status: number, env?: Record<string, string>) => {
    const since = performance.now()
    const child = children.start(`${target} (start-up)`, args, env)
    const ms = Math.round(await answered(`http://127.0.0.1:${port}${path}`, status, since, child))
    await children.stop(child.pid!)
    console.log(`  start-up ${target.padEnd(12)} ${ms} ms`)
    const m: Measurement = {
      target, rps: 0, p50: null, p99: null, cpuUsPerRequest: null, requests: 0, statuses: {}, errors: 0, startupMs: ms
    }
    return m
  }
  console.log(`start-up: gateway vs hello-world, ${settings.rounds} rounds`)
  for (let round = 0; round < settings.rounds; round++) {
    startup.a.push(await timed('gateway', ['bin/tpx-gateway.js', 'serve'], '/readyz', 200, gatewayEnvAt(port)))
    startup.b.push(await timed('hello-world', [...TSX, 'bench/hello.ts', String(port)], '/hello', 401))
  }
  return startup
}

async function main () {
  const settings = readSettings()
  const strays = findStrays()
  if (strays.length && !settings.ignoreStrays) {
    throw new RefusedToStart('other gateway, simulator or bench processes are running; they share the cores and ' +
      'would change every figure. Stop them (by pid) or wait for them, then run again (BENCH_IGNORE_STRAYS=1 runs ' +
      `anyway and records them):\n${describeStrays(strays)}`)
  }
  if (strays.length) console.log(`running although these are alive (BENCH_IGNORE_STRAYS=1):\n${describeStrays(strays)}`)
  if (settings.rounds < 3) console.log(`BENCH_ROUNDS=${settings.rounds}: fewer than 3 rounds give no useful min–max`)
  const startedAt = new Date()
  const loadBefore = loadAverages()
  const children = new Children(root)
  const database = await createTestDatabase()
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return
    interrupted = true
    console.error(`\n${signal}: stopping every process this bench started`)
    children.stopAll().then(() => database.drop()).finally(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    const [upstreamPort, proxyPort, helloPort, gatewayPort] = await Promise.all([1, 2, 3, 4].map(() => freePort())) as
      [number, number, number, number]
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`
    const envFor = (port: number) => gatewayEnv(database.url, upstreamUrl, port)
    const upstream = children.start('fast upstream', [...TSX, 'bench/fast-upstream.ts', String(upstreamPort), UPSTREAM_TOKEN])
    const loadChild = children.start('load generator', [...TSX, 'bench/load.ts'])
    await Promise.all([readyMessage(upstream, 'fast upstream'), readyMessage(loadChild, 'load generator')])
    const keys = await seed(database.url, settings.teams)
    const comparisons: Report['comparisons'] = {}
    if (settings.scenarios.has('startup')) comparisons.startup = await startupRounds(children, settings, envFor)

    const proxy = children.start('bare proxy', [...TSX, 'bench/bare-proxy.ts', String(proxyPort), upstreamUrl, UPSTREAM_TOKEN], RUNTIME_ENV)
    const hello = children.start('hello-world', [...TSX, 'bench/hello.ts', String(helloPort)])
    const profile = settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : []
    const gatewayStarted = performance.now()
    const gateway = children.start('gateway', [...profile, 'bin/tpx-gateway.js', 'serve'], envFor(gatewayPort))
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`
    const proxyUrl = `http://127.0.0.1:${proxyPort}`
    await Promise.all([readyMessage(proxy, 'bare proxy'), readyMessage(hello, 'hello-world'),
      answered(`${gatewayUrl}/readyz`, 200, gatewayStarted, gateway)])
    const pids = { gateway: gateway.pid!, proxy: proxy.pid!, hello: hello.pid! }
    // CPU and RSS are read from these pids: a target that serves from a child process would be measured as its wrapper
    for (const [name, pid] of Object.entries(pids)) {
      const forked = childrenOf(pid)
      if (forked.length) throw new Error(`the ${name} (pid ${pid}) runs child processes ${forked.join(', ')}: its CPU and RSS would be missed`)
    }
    await sleep(3000)
    const idle = { gatewayMb: rssMb(pids.gateway), bareProxyMb: rssMb(pids.proxy), helloWorldMb: rssMb(pids.hello) }
    console.log(`idle RSS: gateway ${idle.gatewayMb} MB, bare proxy ${idle.bareProxyMb} MB, hello-world ${idle.helloWorldMb} MB`)

    // the job every GET polls: created through the gateway (so its record exists), running at the stub
    const created = await fetch(`${gatewayUrl}/api/jobs/from-url/`, {
      method: 'POST', headers: { authorization: keys.one, 'content-type': 'application/json' }, body: CREATE_BODY
    })
    if (created.status !== 201) throw new Error(`the seed create answered ${created.status}: ${await created.text()}`)
    const jobPath = `/api/jobs/${(await created.json() as { id: number }).id}/`

    const bench = new Bench(new LoadGenerator(loadChild), settings)
    const side = (label: string, pid: number, expected: number, target: Target): Side =>
      ({ label, pid, expected, target })
    const creates = (url: string, authorizations?: string[]): Target =>
      ({ url: `${url}/api/jobs/from-url/`, method: 'POST', body: CREATE_BODY, ...(authorizations ? { authorizations } : {}) })
    const gatewayGet = side('gateway', pids.gateway, 200, { url: `${gatewayUrl}${jobPath}`, headers: { authorization: keys.one } })
    const proxyGet = side('bare proxy', pids.proxy, 200, { url: `${proxyUrl}${jobPath}` })
    const gatewayCreate = side('gateway', pids.gateway, 201, creates(gatewayUrl, [keys.one]))
    const proxyCreate = side('bare proxy', pids.proxy, 201, creates(proxyUrl))
    const fixedRate = (given: number | undefined, c: Comparison | undefined) =>
      given ?? Math.max(1, Math.round(spread(c!.b.map(m => m.rps)).median * settings.fixedRateFraction))
    const wanted = settings.scenarios

    if (wanted.has('get')) comparisons.get = await bench.compare('GET a running job', gatewayGet, proxyGet, bench.closed())
    if (wanted.has('get-fixed')) {
      const rate = fixedRate(settings.fixedRate.get, comparisons.get)
      comparisons['get-fixed'] = { ...await bench.compare(`GET at a fixed ${rate} req/s`, gatewayGet, proxyGet, bench.fixed(rate)), rate }
    }
    if (wanted.has('create')) comparisons.create = await bench.compare('create, one team', gatewayCreate, proxyCreate, bench.closed())
    if (wanted.has('create-50')) {
      comparisons['create-50'] = await bench.compare(`create, ${settings.teams} teams`,
        side('gateway', pids.gateway, 201, creates(gatewayUrl, keys.many)), proxyCreate, bench.closed())
    }
    if (wanted.has('create-fixed')) {
      const rate = fixedRate(settings.fixedRate.create, comparisons.create)
      comparisons['create-fixed'] = {
        ...await bench.compare(`create (one team) at a fixed ${rate} req/s`, gatewayCreate, proxyCreate, bench.fixed(rate)), rate
      }
    }
    const loaded = wanted.has('memory') ? await heldRss(bench, settings, [gatewayUrl, pids.gateway], [proxyUrl, pids.proxy]) : null
    if (wanted.has('401')) {
      comparisons['401'] = await bench.compare('401 flood (invalid key)',
        side('gateway', pids.gateway, 401, { url: `${gatewayUrl}/api/jobs/`, headers: { authorization: INVALID_KEY } }),
        side('hello-world', pids.hello, 401, { url: `http://127.0.0.1:${helloPort}/hello` }), bench.closed())
    }

    const report: Report = {
      at: startedAt.toISOString(),
      command: commandLine(),
      commit: gitCommit(),
      machine: { cpus: os.cpus().length, node: process.version, loadBefore, loadAfter: loadAverages() },
      settings: { ...settings, scenarios: [...settings.scenarios] },
      straysIgnored: strays.map(s => ({ pid: s.pid, args: s.args.join(' ') })),
      comparisons,
      idle,
      loaded
    }
    const file = `bench/results/${startedAt.toISOString().replace(/[:.]/g, '-')}.json`
    writeFileSync(new URL(`../${file}`, import.meta.url), JSON.stringify({ ...report, summary: summarise(report) }, null, 2) + '\n')
    console.log(`\n${markdownReport(report, file)}`)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await children.stopAll()
    await database.drop()
  }
}

/** RSS of each target while the load generator holds that many keep-alive connections open to it. */
async function heldRss (bench: Bench, settings: Settings, ...targets: Array<[string, number]>) {
  const mbs: number[] = []
  for (const [origin, pid] of targets) mbs.push(await bench.holding(origin, settings.heldConnections, () => rssMb(pid)))
  const loaded = { gatewayMb: mbs[0]!, bareProxyMb: mbs[1]! }
  console.log(`RSS at ${settings.heldConnections} keep-alive connections, after the create load: ` +
    `gateway ${loaded.gatewayMb} MB, bare proxy ${loaded.bareProxyMb} MB`)
  return loaded
}

await main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof RefusedToStart ? err.message : err)
  process.exit(1)
})
