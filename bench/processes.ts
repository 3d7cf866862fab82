// The processes of a bench run: what may not be running when it starts (strays), what it starts (each tracked by
// pid and stopped by pid, also on SIGINT and on errors), and what it reads of them (/proc CPU time and RSS).
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Whether a command line (its arguments) is a gateway, a simulator or a bench process run by Node: each takes a
 * share of the two cores and changes every figure. Matched on the arguments of node processes only, so an editor
 * or a shell that merely mentions a path does not count.
 */
export function isBenchDisturber (args: readonly string[]): boolean {
  if (!/(^|\/)node$/.test(args[0] ?? '')) return false
  return args.some((arg, i) =>
    // the bin, or the CLI's sources as the test helpers and `npm run replicas` start them
    (/(bin\/tpx-gateway\.js|src\/cli\/main\.ts)$/.test(arg) && ['serve', 'simulator'].includes(args[i + 1] ?? '')) ||
    arg.endsWith('src/server.ts') ||
    /(^|\/)bench\/[\w-]+\.ts$/.test(arg))
}

export interface Stray { pid: number, ppid: number, args: string[] }

function readProc (pid: number): { args: string[], ppid: number } | null {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1])
    return { args, ppid }
  } catch {
    return null // it ended while we looked
  }
}

/** Gateway, simulator and bench processes other than this one and its ancestors (npm, tsx). */
export function findStrays (): Stray[] {
  const own = new Set<number>()
  for (let pid = process.pid; pid > 1;) {
    own.add(pid)
    pid = readProc(pid)?.ppid ?? 0
  }
  const strays: Stray[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || own.has(pid)) continue
    const proc = readProc(pid)
    if (proc && isBenchDisturber(proc.args)) strays.push({ pid, ...proc })
  }
  return strays
}

/** The pids whose parent is `pid`. */
export function childrenOf (pid: number): number[] {
  return readdirSync('/proc').map(Number).filter(child => Number.isInteger(child) && readProc(child)?.ppid === pid)
}

export function describeStrays (strays: readonly Stray[]): string {
  return strays.map(s => `  pid ${s.pid} (parent ${s.ppid}${s.ppid === 1 ? ', orphaned' : ''}): ${s.args.join(' ')}`).join('\n')
}

/** CPU time (user + system, all threads) a process has used, in ms: /proc/<pid>/stat fields 14 and 15. */
export function cpuMs (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS
}
// USER_HZ: 100 on every Linux the project runs on (getconf CLK_TCK)
const CLOCK_TICKS = 100

export function rssMb (pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find(l => l.startsWith('VmRSS:')) ?? '0'
  return Math.round(Number(line.replace(/\D/g, '')) / 1024)
}

/** The children a run started; stop() ends each by its pid (SIGTERM, then SIGKILL after a grace). */
export class Children {
  private readonly running = new Map<number, { name: string, child: ChildProcess }>()

  constructor (private readonly cwd: string) {
    // whatever still runs when this process exits, however it exits, is killed outright
    process.once('exit', () => { for (const pid of this.running.keys()) this.signal(pid, 'SIGKILL') })
  }

  start (name: string, args: string[], env: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, args, {
      cwd: this.cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc']
    })
    const pid = child.pid
    if (pid === undefined) throw new Error(`${name} did not start`)
    this.running.set(pid, { name, child })
    child.once('exit', () => this.running.delete(pid))
    return child
  }

  async stop (pid: number, graceMs = 5000): Promise<void> {
    const entry = this.running.get(pid)
    if (!entry) return
    const exited = new Promise(resolve => entry.child.once('exit', resolve))
    this.signal(pid, 'SIGTERM')
    const stopped = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])
    if (!stopped) {
      this.signal(pid, 'SIGKILL')
      await exited
    }
  }

  async stopAll (): Promise<void> {
    await Promise.all([...this.running.keys()].map(pid => this.stop(pid)))
  }

  private signal (pid: number, signal: NodeJS.Signals) {
    try {
      process.kill(pid, signal)
    } catch {} // already gone
  }
}
