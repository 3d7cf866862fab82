// One measurement and one comparison: the load generator (its own process, driven over IPC) loads a target while
// this process reads the target's CPU time from /proc; a comparison runs A B A B … on quiet targets.
import type { ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuMs } from './processes.ts'
import type { LoadCommand, LoadFigures, Target } from './load.ts'
import type { Comparison, Measurement } from './report.ts'
import type { Settings } from './settings.ts'

/** A process under load, the request it is sent, and the status that counts as its answer. */
export interface Side { label: string, pid: number, target: Target, expected: number }

export class LoadGenerator {
  private queue: Promise<unknown> = Promise.resolve()
  constructor (private readonly child: ChildProcess) {}

  get pid (): number {
    return this.child.pid!
  }

  /** Sends one command and waits for its one reply; commands are sent one at a time. */
  send<T> (command: LoadCommand): Promise<T> {
    const next = this.queue.then(() => new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the load generator exited with ${code}`))
      this.child.once('exit', onExit)
      this.child.once('message', (reply: { ok: boolean, result?: T, error?: string }) => {
        this.child.off('exit', onExit)
        if (reply.ok) resolve(reply.result as T)
        else reject(new Error(`load generator: ${reply.error}`))
      })
      this.child.send(command)
    }))
    this.queue = next.catch(() => null)
    return next
  }
}

// waits (at most 60 s, then says so) until the process uses under 5 % of a core over 200 ms: a measurement never
// starts while the last one's stragglers still run (a GC, or the queue an overloaded open loop left: the gateway
// finishes a create whose client gave up)
async function quiet (side: Side): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const before = cpuMs(side.pid)
    await sleep(200)
    if (cpuMs(side.pid) - before < 10) return
  }
  console.log(`  (${side.label} still busy after 60 s: measuring anyway)`)
}

export class Bench {
  constructor (private readonly load: LoadGenerator, private readonly settings: Settings) {}

  closed (durationS = this.settings.durationS) {
    return (side: Side): LoadCommand =>
      ({ kind: 'closed', target: side.target, connections: this.settings.connections, durationS })
  }

  fixed (rate: number) {
    const { warmupS, durationS, openMaxInFlight, openTimeoutMs } = this.settings
    return (side: Side): LoadCommand => ({
      kind: 'open', target: side.target, rate, warmupS, durationS, maxInFlight: openMaxInFlight, timeoutMs: openTimeoutMs
    })
  }

  async measure (side: Side, command: LoadCommand): Promise<Measurement> {
    await quiet(side)
    const cpuBefore = cpuMs(side.pid)
    const generatorBefore = cpuMs(this.load.pid)
    const started = performance.now()
    const figures = await this.load.send<LoadFigures>(command)
    const cpu = cpuMs(side.pid) - cpuBefore
    // a generator near 100 % of a core is the bottleneck, not the target
    const generatorCpuPct = Math.round((cpuMs(this.load.pid) - generatorBefore) / (performance.now() - started) * 100)
    const answered = Object.values(figures.statuses).reduce((sum, n) => sum + n, 0)
    const expected = figures.statuses[side.expected] ?? 0
    const m: Measurement = {
      target: side.label,
      rps: Math.round(expected / figures.seconds),
      p50: figures.p50,
      p99: figures.p99,
      cpuUsPerRequest: answered ? Math.round(cpu * 1000 / answered) : null,
      requests: figures.requests,
      statuses: figures.statuses,
      errors: figures.errors,
      generatorCpuPct,
      ...(figures.dropped === undefined ? {} : { dropped: figures.dropped })
    }
    const unexpected = answered - expected + figures.errors + (figures.dropped ?? 0)
    const odd = unexpected
      ? `  NOT ${side.expected}: ${unexpected} (${JSON.stringify(figures.statuses)}, ${figures.errors} errors, ` +
        `${figures.dropped ?? 0} not sent)`
      : ''
    console.log(`  ${side.label.padEnd(12)} ${String(m.rps).padStart(6)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  ` +
      `${String(m.cpuUsPerRequest).padStart(5)} µs CPU/req  load generator ${generatorCpuPct} % of a core${odd}`)
    return m
  }

  /** What `read` says while `count` keep-alive connections (each has had one answer) are held open to `origin`. */
  async holding<T> (origin: string, count: number, read: () => T): Promise<T> {
    await this.load.send({ kind: 'hold', origin, count })
    try {
      return read()
    } finally {
      await this.load.send({ kind: 'release' })
    }
  }

  /** A then B, round after round, each side warmed up first (an open loop warms up within its command). */
  async compare (name: string, a: Side, b: Side, command: (side: Side) => LoadCommand): Promise<Comparison> {
    console.log(`${name}: ${a.label} vs ${b.label}, ${this.settings.rounds} rounds`)
    for (const side of [a, b]) {
      if (command(side).kind === 'closed') await this.load.send(this.closed(this.settings.warmupS)(side))
    }
    const comparison: Comparison = { name, a: [], b: [] }
    for (let round = 0; round < this.settings.rounds; round++) {
      comparison.a.push(await this.measure(a, command(a)))
      comparison.b.push(await this.measure(b, command(b)))
    }
    return comparison
  }
}
