// Everything a test runs as a separate process, in one place: gateway processes (`tpx-gateway serve`) that can be
// killed and restarted, N replicas of them on one PostgreSQL and one Redis, a Redis to share, and the CLI.
// Processes are what the in-process beds cannot give: a SIGKILL mid-request, two replicas' own memories.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKey } from '../../src/auth/key-format.ts'
import type { Teardown } from './teardown.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
// The CLI's TypeScript through tsx, as the tests themselves run, rather than bin/tpx-gateway.js, which would run
// dist/ whenever it is a current build: what a test checks is the source in front of it, built or not.
// (test/integration/runtime/build.test.ts runs the built gateway.)
const CLI = ['--import=tsx', path.join(ROOT, 'src/cli/main.ts')]

/** A port nothing listens on at the moment (fetch refuses well-known ones such as 9, so tests need a real one). */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

/** Whether something answers on host:port (a TCP connect within the timeout). */
export async function reachable (host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => { socket.destroy(); resolve(ok) }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

export async function waitForHealth (url: string, timeoutMs = 30_000, child?: ChildProcess | null): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`gateway exited with ${child.exitCode} before answering /healthz`)
    }
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.ok) return
    } catch {}
    await sleep(100)
  }
  throw new Error(`${url}/healthz did not answer within ${timeoutMs} ms`)
}

export interface GatewayProcess {
  url: string
  port: number
  /** stdout + stderr lines of every run of this process */
  output: string[]
  readonly child: ChildProcess | null
  /** sends the signal and waits for the exit */
  kill (signal?: NodeJS.Signals): Promise<void>
  /** starts again with the same environment and port; waits for /healthz */
  restart (): Promise<void>
}

// a test process stopped at its timeout runs no teardown: no gateway it started may outlive it
const running = new Set<() => ChildProcess | null>()
process.once('exit', () => { for (const child of running) child()?.kill('SIGKILL') })

export interface SpawnOptions {
  /** how long a start may take to answer /healthz (default 30 s; a loaded machine needs more) */
  startTimeoutMs?: number
}

/** `tpx-gateway serve` on a free port of 127.0.0.1; killed (SIGKILL) at teardown if still running. */
export async function spawnGateway (t: Teardown, env: Record<string, string>, options: SpawnOptions = {}):
Promise<GatewayProcess> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const output: string[] = []
  let child: ChildProcess | null = null
  const start = async () => {
    const proc = spawn(process.execPath, [...CLI, 'serve'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        // the default cap on calls per second would make every test about it; those that are set it themselves
        UPSTREAM_MAX_RPS: '0',
        ...env
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    child = proc
    const collect = (chunk: Buffer) => { output.push(...String(chunk).split('\n').filter(Boolean)) }
    proc.stdout?.on('data', collect)
    proc.stderr?.on('data', collect)
    try {
      await waitForHealth(url, options.startTimeoutMs ?? 30_000, proc)
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${output.slice(-20).join('\n')}`)
    }
  }
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const proc = child
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise<void>(resolve => proc.once('exit', () => resolve()))
    proc.kill(signal)
    await exited
  }
  t.teardown(() => kill('SIGKILL'))
  running.add(() => child)
  await start()
  return {
    url,
    port,
    output,
    get child () { return child },
    kill,
    restart: start
  }
}

export interface ReplicaOptions {
  count: number
  databaseUrl: string
  redisUrl: string
  upstream: { url: string, token: string }
  env?: Record<string, string>
  /** settings that differ between the replicas (replica 0 first), such as each one's METRICS_PORT */
  perReplica?: (index: number) => Record<string, string>
  startTimeoutMs?: number
}

export interface Replicas {
  replicas: GatewayProcess[]
  /** the admin key every replica ensures at startup (GATEWAY_ADMIN_KEY) */
  adminKey: string
}

/**
 * N gateway processes on one PostgreSQL and one Redis, in front of one TensorPix (or simulator), each on its own
 * port and each running the workers: what `npm run replicas` starts and test/integration/replicas checks.
 */
export async function startReplicas (t: Teardown, options: ReplicaOptions): Promise<Replicas> {
  const adminKey = generateKey().key
  const env = {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    TENSORPIX_BASE_URL: options.upstream.url,
    TENSORPIX_TOKEN: options.upstream.token,
    GATEWAY_ADMIN_KEY: adminKey,
    WORKERS: 'true',
    ...options.env
  }
  const spawnOptions = { startTimeoutMs: options.startTimeoutMs }
  const replicas = await Promise.all(Array.from({ length: options.count },
    (_, index) => spawnGateway(t, { ...env, ...options.perReplica?.(index) }, spawnOptions)))
  return { replicas, adminKey }
}

const LOCAL_REDIS = { host: '127.0.0.1', port: 6379 }

/**
 * Redis shared by several gateway processes: the local server on 127.0.0.1:6379 when it answers, otherwise a
 * throwaway `redis-server` on a free port (no persistence), stopped at teardown, so cross-replica tests never skip.
 */
export async function sharedRedis (t: Teardown): Promise<string> {
  const { host, port: localPort } = LOCAL_REDIS
  // TEST_OWN_REDIS=1 exercises the path of a machine without Redis
  if (process.env.TEST_OWN_REDIS !== '1' && await reachable(host, localPort)) return `redis://${host}:${localPort}`
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  const failed = new Promise<Error>(resolve => child.once('error', resolve))
  t.teardown(() => { child.kill('SIGTERM') })
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const problem = await Promise.race([failed, sleep(100).then(() => null)])
    if (problem) {
      throw new Error(`Redis does not answer on ${host}:${localPort} and redis-server could not be started: ` +
        problem.message)
    }
    if (await reachable('127.0.0.1', port)) return `redis://127.0.0.1:${port}`
  }
  throw new Error(`redis-server did not answer on port ${port}`)
}

export interface Run { code: number, stdout: string, stderr: string }

/** Runs `tpx-gateway …` with only the given environment (plus PATH), to its exit. */
export function cli (args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise(resolve => {
    const options = { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }
    execFile(process.execPath, [...CLI, ...args], options, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr })
    })
  })
}
