// A test bed for the money path (test/integration/money/): the simulator over HTTP with its control API, a loopback
// server for the video fixture, gateway PROCESSES (`node bin/tpx-gateway.js serve`) that can be killed and
// restarted, an HTTP client, the worker passes callable from the test, and a re-summing check of the ledger.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Decimal } from 'decimal.js'
import pino from 'pino'
import type { Db } from '../../src/db/client.ts'
import type { FaultRule, SimulatorOptions } from '../../src/simulator/index.ts'
import type { Test } from 'tap'
import { buildTestGateway, type TestGateway } from './gateway.ts'
import { startTestSimulator } from './simulator.ts'
import { startVideoServer, type Teardown } from './video-server.ts'
import { UpstreamClient } from '../../src/upstream/client.ts'
import { TensorpixApi } from '../../src/upstream/tensorpix.ts'
import { reconcileLostCreates } from '../../src/workers/reconcile.ts'
import { syncDueJobs } from '../../src/workers/status-sync.ts'
import type { WorkerDeps } from '../../src/workers/deps.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
export const MONEY_CLIP = 'clip-320x180-24fps-48f.mp4'
export const MONEY_SIM_TOKEN = 'money-sim-token-3b8e1f'
// a second simulator account, used only to ask the simulator what a job costs without touching the main account
export const MONEY_PROBE_TOKEN = 'money-probe-token-9c2d4a'

// ---------------------------------------------------------------------------------------------------------------
// the video source

export interface ClipServer {
  /** http://127.0.0.1:<port>/clip…mp4, with an optional tag in the query string (ignored by the server) */
  url (tag?: string | number): string
  requests: number
  close (): Promise<void>
}

export async function startClipServer (t: Teardown): Promise<ClipServer> {
  const videos = await startVideoServer(t)
  return {
    url: tag => `${videos.url(MONEY_CLIP)}${tag === undefined ? '' : `?n=${tag}`}`,
    get requests () { return videos.requests.length },
    close: videos.close
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the simulator

export interface SimAccount {
  balance: string
  jobs_created: number
  credits_charged: string
  credits_refunded: string
  jobs: { queued: number, processing: number, finished: number, failed: number, canceled: number }
}

export interface SimJobView { id: number, status: number, cost_usd: string, started?: string, [field: string]: unknown }

export interface MoneySim {
  url: string
  token: string
  control<T = unknown> (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>
  account (token?: string): Promise<SimAccount>
  fault (rule: FaultRule): Promise<void>
  clearFaults (): Promise<void>
  complete (id: number): Promise<SimJobView>
  fail (id: number): Promise<SimJobView>
  drain (): Promise<Array<{ id: number, status: number }>>
  /** GET /api/jobs/{id}/ on the simulator with the master token */
  job (id: number): Promise<SimJobView>
  /** every job of the master account (GET /api/jobs/, all pages) */
  allJobs (): Promise<SimJobView[]>
  /** what one create of the body costs, as the simulator prices it (created on the probe account) */
  priceOf (body: Record<string, unknown>): Promise<Decimal>
}

export async function startMoneySim (t: Teardown, options: Partial<SimulatorOptions> = {}): Promise<MoneySim> {
  const sim = await startTestSimulator(t, { seed: 11, ...options, tokens: [MONEY_SIM_TOKEN, MONEY_PROBE_TOKEN] })
  const { control } = sim
  const api = async <T>(method: string, p: string, token: string, body?: unknown): Promise<{ status: number, body: T }> => {
    const res = await fetch(`${sim.url}${p}`, {
      method,
      headers: { authorization: `Token ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T }
  }
  return {
    url: sim.url,
    token: MONEY_SIM_TOKEN,
    control,
    account: token => sim.account(token),
    fault: rule => sim.fault(rule),
    clearFaults: () => sim.clearFaults(),
    complete: id => control<SimJobView>('POST', `/jobs/${id}/complete`),
    fail: id => control<SimJobView>('POST', `/jobs/${id}/fail`),
    async drain () { return (await control<{ settled: Array<{ id: number, status: number }> }>('POST', '/jobs/drain')).settled },
    async job (id) {
      const res = await api<SimJobView>('GET', `/api/jobs/${id}/`, MONEY_SIM_TOKEN)
      if (res.status !== 200) throw new Error(`simulator GET /api/jobs/${id}/: ${res.status}`)
      return res.body
    },
    async allJobs () {
      const jobs: SimJobView[] = []
      for (let offset = 0; ; offset += 1000) {
        const res = await api<{ count: number, results: SimJobView[] }>('GET', `/api/jobs/?limit=1000&offset=${offset}`, MONEY_SIM_TOKEN)
        if (res.status !== 200) throw new Error(`simulator GET /api/jobs/: ${res.status}`)
        jobs.push(...res.body.results)
        if (res.body.results.length === 0 || jobs.length >= res.body.count) return jobs
      }
    },
    async priceOf (body) {
      const res = await api<{ cost_usd: string }>('POST', '/api/jobs/from-url/', MONEY_PROBE_TOKEN, body)
      if (res.status !== 201) throw new Error(`simulator probe create: ${res.status} ${JSON.stringify(res.body)}`)
      return new Decimal(res.body.cost_usd)
    }
  }
}

/** The in-process gateway (buildTestGateway) on the simulator, listening on 127.0.0.1, and its origin. */
export async function listeningGateway (t: Test, sim: { url: string, token: string }): Promise<{ gw: TestGateway, origin: string }> {
  const gw = await buildTestGateway(t, { upstream: { baseUrl: sim.url, token: sim.token, simulated: true } })
  await gw.app.listen({ port: 0, host: '127.0.0.1' })
  return { gw, origin: `http://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}` }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

export interface Reply {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

export async function call (origin: string, method: string, p: string,
  options: { key?: string, json?: unknown, headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.key) headers.authorization = `Token ${options.key}`
  if (options.json !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${origin}${p}`, {
    method, headers, ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) })
  })
  const text = await res.text()
  let body: Record<string, unknown> = {}
  if (text) {
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      body = { text }
    }
  }
  return { status: res.status, headers: res.headers, body }
}

/** Runs fn over items with at most `width` at a time; results in item order. */
export async function mapBounded<T, R> (items: readonly T[], width: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index] as T, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane))
  return results
}

// ---------------------------------------------------------------------------------------------------------------
// gateway processes

export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
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

export async function waitForHealth (url: string, timeoutMs = 30_000, child?: ChildProcess | null): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode} before answering /healthz`)
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.ok) return
    } catch {}
    await sleep(100)
  }
  throw new Error(`${url}/healthz did not answer within ${timeoutMs} ms`)
}

/** `node bin/tpx-gateway.js serve` on a free port of 127.0.0.1; killed (SIGKILL) at teardown if still running. */
export async function spawnGateway (t: Teardown, env: Record<string, string>): Promise<GatewayProcess> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const output: string[] = []
  let child: ChildProcess | null = null
  const start = async () => {
    const proc = spawn(process.execPath, [path.join(ROOT, 'bin/tpx-gateway.js'), 'serve'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        ...env
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    child = proc
    const collect = (chunk: Buffer) => { output.push(...String(chunk).split('\n').filter(Boolean)) }
    proc.stdout?.on('data', collect)
    proc.stderr?.on('data', collect)
    try {
      await waitForHealth(url, 30_000, proc)
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

// ---------------------------------------------------------------------------------------------------------------
// workers, called from the test

export function workerDeps (t: Teardown, db: Db, sim: { url: string, token: string }, options: { headersTimeoutMs?: number } = {}): WorkerDeps {
  const upstream = new TensorpixApi(new UpstreamClient({ baseUrl: sim.url, token: sim.token, simulated: true }, {
    connections: 8,
    maxConcurrent: 16,
    perSecond: 0,
    maxQueueWaitMs: 30_000,
    connectTimeoutMs: 5000,
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    bodyTimeoutMs: 10_000
  }))
  t.teardown(() => upstream.close())
  return { db, upstream, log: pino({ level: 'silent' }), now: () => new Date() }
}

const OPEN_STATES = ['pending', 'unknown', 'queued', 'processing'] as const

/**
 * Runs worker passes until no job is pending, unknown, queued or processing (or the deadline passes): every pass
 * first makes the open jobs due, so the test does not wait out backoffs and leases. Returns the open jobs left.
 */
export async function settleAll (deps: WorkerDeps, options: { graceMs: number, stalePendingMs: number, timeoutMs?: number, width?: number }): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  for (;;) {
    await deps.db.$executeRaw`UPDATE jobs SET next_sync_at = now() - interval '1 second'
      WHERE state IN ('unknown', 'queued', 'processing')`
    await reconcileLostCreates(deps, options)
    // claims are disjoint (FOR UPDATE SKIP LOCKED + lease), so several passes can run side by side
    await Promise.all(Array.from({ length: options.width ?? 8 }, () => syncDueJobs(deps)))
    const open = await deps.db.job.count({ where: { state: { in: [...OPEN_STATES] } } })
    if (open === 0 || Date.now() > deadline) return open
    await sleep(200)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// the ledger invariant

export interface InvariantRow {
  teamId: string
  periodStart: string
  usage: { charged: string, held: string, adjusted: string } | null
  ledger: { charged: string, held: string, adjusted: string }
}

const ZERO = new Decimal(0)

/**
 * For every team and period with a usage row or ledger rows: the usage row, and the ledger re-summed
 * (held = Σhold − Σrelease, charged = Σcharge − Σrefund, adjusted = Σadjust).
 */
export async function invariantRows (db: Db): Promise<InvariantRow[]> {
  const usage = await db.teamPeriodUsage.findMany()
  const sums = await db.ledgerEntry.groupBy({ by: ['teamId', 'periodStart', 'kind'], _sum: { amount: true } })
  const rows = new Map<string, { teamId: string, periodStart: string, usage: InvariantRow['usage'], held: Decimal, charged: Decimal, adjusted: Decimal }>()
  const keyOf = (teamId: string, periodStart: Date) => `${teamId}/${periodStart.toISOString().slice(0, 10)}`
  const rowOf = (teamId: string, periodStart: Date) => {
    const key = keyOf(teamId, periodStart)
    let row = rows.get(key)
    if (!row) {
      row = { teamId, periodStart: periodStart.toISOString().slice(0, 10), usage: null, held: ZERO, charged: ZERO, adjusted: ZERO }
      rows.set(key, row)
    }
    return row
  }
  for (const u of usage) {
    rowOf(u.teamId, u.periodStart).usage = {
      charged: new Decimal(u.charged.toString()).toFixed(4),
      held: new Decimal(u.held.toString()).toFixed(4),
      adjusted: new Decimal(u.adjusted.toString()).toFixed(4)
    }
  }
  for (const s of sums) {
    const row = rowOf(s.teamId, s.periodStart)
    const amount = new Decimal(s._sum.amount?.toString() ?? 0)
    if (s.kind === 'hold') row.held = row.held.plus(amount)
    if (s.kind === 'release') row.held = row.held.minus(amount)
    if (s.kind === 'charge') row.charged = row.charged.plus(amount)
    if (s.kind === 'refund') row.charged = row.charged.minus(amount)
    if (s.kind === 'adjust') row.adjusted = row.adjusted.plus(amount)
  }
  return [...rows.values()].map(r => ({
    teamId: r.teamId,
    periodStart: r.periodStart,
    usage: r.usage,
    ledger: { charged: r.charged.toFixed(4), held: r.held.toFixed(4), adjusted: r.adjusted.toFixed(4) }
  }))
}

/** The rows where the usage row differs from the re-summed ledger (a missing usage row counts as zeros). */
export async function invariantViolations (db: Db): Promise<InvariantRow[]> {
  return (await invariantRows(db)).filter(r => {
    const u = r.usage ?? { charged: '0', held: '0', adjusted: '0' }
    return !new Decimal(u.charged).equals(r.ledger.charged) ||
      !new Decimal(u.held).equals(r.ledger.held) ||
      !new Decimal(u.adjusted).equals(r.ledger.adjusted)
  })
}

/** Σ charge − Σ refund per team (all periods). */
export async function ledgerNetByTeam (db: Db): Promise<Map<string, Decimal>> {
  const sums = await db.ledgerEntry.groupBy({ by: ['teamId', 'kind'], _sum: { amount: true }, where: { kind: { in: ['charge', 'refund'] } } })
  const net = new Map<string, Decimal>()
  for (const s of sums) {
    const amount = new Decimal(s._sum.amount?.toString() ?? 0)
    net.set(s.teamId, (net.get(s.teamId) ?? ZERO)[s.kind === 'charge' ? 'plus' : 'minus'](amount))
  }
  return net
}

/**
 * Moves a job and its money rows (so far) to another budget period of its team, as if its hold had been placed
 * then: the rows' period_start, both usage rows, and the job's own period and creation time (a minute before
 * `createdBefore`). What a test does to put a job on the far side of a period boundary.
 */
export async function moveJobToPeriod (db: Db, jobId: string, periodStart: Date, createdBefore: Date): Promise<void> {
  await db.$transaction(async tx => {
    const job = await tx.job.findUniqueOrThrow({ where: { id: jobId } })
    const rows = await tx.ledgerEntry.findMany({ where: { jobId } })
    const sum = (kinds: string[], minus: string[]) => rows.reduce((acc, r) =>
      kinds.includes(r.kind) ? acc.plus(r.amount.toString()) : minus.includes(r.kind) ? acc.minus(r.amount.toString()) : acc, ZERO)
    const held = sum(['hold'], ['release']).toFixed(4)
    const charged = sum(['charge'], ['refund']).toFixed(4)
    await tx.$executeRaw`INSERT INTO team_period_usage (team_id, period_start, charged, held, updated_at)
      VALUES (${job.teamId}::uuid, ${periodStart}::date, ${charged}::numeric, ${held}::numeric, now())
      ON CONFLICT (team_id, period_start) DO UPDATE
      SET charged = team_period_usage.charged + EXCLUDED.charged, held = team_period_usage.held + EXCLUDED.held`
    await tx.$executeRaw`UPDATE team_period_usage SET charged = charged - ${charged}::numeric, held = held - ${held}::numeric
      WHERE team_id = ${job.teamId}::uuid AND period_start = ${job.periodStart}::date`
    await tx.ledgerEntry.updateMany({ where: { jobId }, data: { periodStart } })
    await tx.job.update({ where: { id: jobId }, data: { periodStart, createdAt: new Date(createdBefore.getTime() - 60_000) } })
  })
}

/** Σ held over every usage row. */
export async function totalHeld (db: Db): Promise<Decimal> {
  const rows = await db.teamPeriodUsage.findMany({ select: { held: true } })
  return rows.reduce((acc, r) => acc.plus(r.held.toString()), ZERO)
}

/** Whether something answers on host:port (a TCP connect within the timeout). */
export async function reachable (host: string, port: number, timeoutMs = 500): Promise<boolean> {
  const { connect } = await import('node:net')
  return new Promise(resolve => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => { socket.destroy(); resolve(ok) }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

// ---------------------------------------------------------------------------------------------------------------
// a database that can be taken away: a loopback TCP proxy in front of PostgreSQL

export interface TcpProxy {
  port: number
  /** closes the listener and cuts every connection: new connections are refused */
  stop (): Promise<void>
  /** listens again on the same port */
  start (): Promise<void>
}

export async function startTcpProxy (t: Teardown, target: { host: string, port: number }): Promise<TcpProxy> {
  const net = await import('node:net')
  const sockets = new Set<import('node:net').Socket>()
  let server: import('node:net').Server | null = null
  let port = 0
  const listen = async () => {
    const s = net.createServer(client => {
      const upstream = net.connect(target.port, target.host)
      sockets.add(client)
      sockets.add(upstream)
      const drop = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
      client.on('error', drop).on('close', drop)
      upstream.on('error', drop).on('close', drop)
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>(resolve => s.listen(port, '127.0.0.1', resolve))
    port = (s.address() as AddressInfo).port
    server = s
  }
  const stop = async () => {
    const s = server
    server = null
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    if (s) await new Promise<void>(resolve => s.close(() => resolve()))
  }
  await listen()
  t.teardown(stop)
  return { port, stop, start: listen }
}
