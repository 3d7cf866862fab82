// The load generator: its own process, so the orchestrator's bookkeeping never competes with it and the targets'
// CPU is read from outside. Commands arrive over IPC (LoadCommand) one at a time and each is answered with one
// message. Closed-loop runs use autocannon (already the project's tool, scriptable for rotating keys); the open-loop
// run sends at a fixed rate whatever the answers do and times every request from when it was DUE, not from when it
// went out, so a slow target cannot hide its queue by slowing the sender (coordinated omission).
// Started by bench/run.ts: node --import tsx bench/load.ts
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import autocannon, { type Request } from 'autocannon'
import { Pool } from 'undici'
import { percentile } from './stats.ts'

export interface Target {
  url: string
  method?: 'GET' | 'POST'
  body?: string
  headers?: Record<string, string>
  // one Authorization header per request, taken in turn (creates spread over many teams)
  authorizations?: string[]
}

export type LoadCommand =
  | { kind: 'closed', target: Target, connections: number, durationS: number }
  // requests due in the first warmupS seconds open the connections and warm the target up, and are not counted
  | { kind: 'open', target: Target, rate: number, warmupS: number, durationS: number, maxInFlight: number, timeoutMs: number }
  | { kind: 'hold', origin: string, count: number }
  | { kind: 'release' }

export interface LoadFigures {
  requests: number
  seconds: number
  statuses: Record<string, number>
  errors: number
  // null when nothing was answered
  p50: number | null
  p99: number | null
  // open loop only: requests that were due but not sent because maxInFlight were outstanding
  dropped?: number
}

function headersFor (target: Target, turn: number): Record<string, string> {
  const headers = { ...(target.body ? { 'content-type': 'application/json' } : {}), ...target.headers }
  const keys = target.authorizations
  return keys?.length ? { ...headers, authorization: keys[turn % keys.length]! } : headers
}

async function closed (target: Target, connections: number, durationS: number): Promise<LoadFigures> {
  let turn = 0
  const request = {
    method: target.method ?? 'GET',
    ...(target.body ? { body: target.body } : {}),
    headers: headersFor(target, 0),
    ...(target.authorizations?.length
      ? { setupRequest: (req: Request): Request => ({ ...req, headers: headersFor(target, turn++) }) }
      : {})
  }
  const result = await autocannon({ url: target.url, connections, duration: durationS, requests: [request] })
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {})
    .map(([code, stat]: [string, { count?: number }]) => [code, stat.count ?? 0]))
  return {
    requests: result.requests.total,
    seconds: result.duration,
    statuses,
    errors: result.errors + result.timeouts,
    p50: result.requests.total ? result.latency.p50 : null,
    p99: result.requests.total ? result.latency.p99 : null
  }
}

async function open (command: Extract<LoadCommand, { kind: 'open' }>): Promise<LoadFigures> {
  const { target, rate, warmupS, durationS, maxInFlight, timeoutMs } = command
  const url = new URL(target.url)
  const pool = new Pool(url.origin, {
    connections: maxInFlight, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs
  })
  const warmup = Math.round(rate * warmupS)
  const total = warmup + Math.round(rate * durationS)
  const spacingMs = 1000 / rate
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  let sent = 0
  let inFlight = 0
  let errors = 0
  let dropped = 0
  const started = performance.now()
  await new Promise<void>(resolve => {
    const settle = () => { if (sent === total && inFlight === 0) resolve() }
    const fire = (due: number, counted: boolean) => {
      inFlight++
      pool.request({
        method: target.method ?? 'GET',
        path: url.pathname + url.search,
        headers: headersFor(target, sent),
        body: target.body ?? null
      }).then(async res => {
        await res.body.dump()
        if (!counted) return
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
        latencies.push(performance.now() - due)
      }, () => { if (counted) errors++ }).finally(() => { inFlight--; settle() })
    }
    const tick = () => {
      const owed = Math.min(total, Math.floor((performance.now() - started) / spacingMs) + 1)
      while (sent < owed) {
        const due = started + sent * spacingMs
        const counted = sent >= warmup
        sent++
        if (inFlight < maxInFlight) fire(due, counted)
        else if (counted) dropped++
      }
      if (sent < total) setTimeout(tick, 1)
      else settle()
    }
    tick()
  })
  await pool.close()
  latencies.sort((a, b) => a - b)
  return {
    requests: latencies.length,
    seconds: durationS,
    statuses,
    errors,
    dropped,
    p50: latencies.length ? round(percentile(latencies, 0.5)) : null,
    p99: latencies.length ? round(percentile(latencies, 0.99)) : null
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100

let held: http.Agent | null = null

// count keep-alive connections opened at once and left open (each has answered one GET /healthz)
async function hold (origin: string, count: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: count, maxFreeSockets: count, keepAliveMsecs: 60_000 })
  await Promise.all(Array.from({ length: count }, () => new Promise<void>((resolve, reject) => {
    http.get(`${origin}/healthz`, { agent }, res => { res.resume(); res.on('end', resolve) }).on('error', reject)
  })))
  held = agent
}

async function handle (command: LoadCommand): Promise<unknown> {
  switch (command.kind) {
    case 'closed': return closed(command.target, command.connections, command.durationS)
    case 'open': return open(command)
    case 'hold': return hold(command.origin, command.count)
    case 'release':
      held?.destroy()
      held = null
      return null
  }
}

process.on('message', (command: LoadCommand) => {
  handle(command).then(
    result => process.send?.({ ok: true, result }),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? err.message : String(err) })
  )
})
// the orchestrator going away (even by SIGKILL) closes the IPC channel: never outlive it
process.on('disconnect', () => process.exit(0))
process.send?.('ready')
