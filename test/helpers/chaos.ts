// The chaos bed (issue 15's acceptance): one combination of undocumented TensorPix behaviours, run end to end on a
// fresh database, a fresh simulator and two fresh gateway processes. Seeded clients create jobs through both
// processes with Idempotency-Keys and retry them, cancel some, while the simulator commits and then fails answers,
// loses them, throttles, refuses DELETEs and resets connections, and one process is SIGKILLed and restarted. After
// the faults stop, the simulator drains and the workers settle, `findings` lists every way the money or the jobs
// went wrong; an empty list everywhere is a pass.
//
// Every create carries its request number in two options TensorPix echoes and the gateway's reconciliation ignores
// (`stabilization_smoothing`, `sharpen_strength`), so each upstream job names the client request it came from: that
// is how "no Idempotency-Key has two upstream jobs" and "each record got the job it asked for" are checked.
import { setTimeout as sleep } from 'node:timers/promises'
import { Decimal } from 'decimal.js'
import type { FaultRule } from '../../src/simulator/index.ts'
import { seededRandom, type Random } from '../../src/simulator/prng.ts'
import type { Db } from '../../src/db/client.ts'
import { makeTeamWithKey } from './factories.ts'
import { client, type Answer } from './http.ts'
import { invariantViolations, ledgerNetByTeam, totalHeld } from './ledger.ts'
import type { ClipServer } from './money-bed.ts'
import { startMoneySim } from './money-bed.ts'
import { spawnGateway, type GatewayProcess } from './processes.ts'
import type { AccountState, TestSimulator } from './simulator.ts'
import type { TensorPixJob } from './tensorpix.ts'
import type { Teardown } from './teardown.ts'
import { databaseForTest } from './test-database.ts'
import { settleAll, workerDeps } from './workers.ts'
import { reconcileLostCreates } from '../../src/workers/reconcile.ts'
import { checkAccount } from '../../src/workers/account-check.ts'
import type { WorkerDeps } from '../../src/workers/deps.ts'
import { eventually, limited } from './async.ts'

// ---------------------------------------------------------------------------------------------------------------
// The matrix

/** One combination of what TensorPix may do where it documents nothing (src/simulator/behaviour.ts). */
export interface Combination {
  /** `cost_usd` of a cancelled job: net of its refund, or as created */
  cancelCostReport: 'net' | 'gross'
  /** a failed job gives everything back, or nothing */
  failureRefund: 'full' | 'none'
  jobListOrder: 'newest' | 'oldest'
  /** `started` is the creation time, or the processing start (null while queued) */
  startedMeaning: 'created' | 'processing'
  /** job answers echo the request as sent, or normalised (start_frame 0 for an omitted one, the URL serialised) */
  echo: 'verbatim' | 'normalised'
  /** polls of a finished job that still show no output_video */
  outputVideoAfterPolls: number
}

const parity = (...bits: boolean[]) => bits.filter(Boolean).length % 2 === 1

/**
 * The 16 combinations of the four behaviours of the acceptance, with two more behaviours folded in as a
 * half-fraction (echo follows the parity of all four, the late output the parity of the first three), so each of
 * the six behaviours meets each other one both ways and every combination stays one run.
 */
export function chaosMatrix (): Combination[] {
  const combos: Combination[] = []
  for (const cancelGross of [false, true]) {
    for (const failureNone of [false, true]) {
      for (const oldest of [false, true]) {
        for (const processing of [false, true]) {
          combos.push({
            cancelCostReport: cancelGross ? 'gross' : 'net',
            failureRefund: failureNone ? 'none' : 'full',
            jobListOrder: oldest ? 'oldest' : 'newest',
            startedMeaning: processing ? 'processing' : 'created',
            echo: parity(cancelGross, failureNone, oldest, processing) ? 'normalised' : 'verbatim',
            outputVideoAfterPolls: parity(cancelGross, failureNone, oldest) ? 2 : 0
          })
        }
      }
    }
  }
  return combos
}

export function combinationName (c: Combination): string {
  return `cancel=${c.cancelCostReport} failure-refund=${c.failureRefund} list=${c.jobListOrder}-first ` +
    `started=${c.startedMeaning} echo=${c.echo} output-after=${c.outputVideoAfterPolls}`
}

/** The simulator's behaviour option (and PUT /__sim/behaviour body) for a combination. */
export function simulatorBehaviour (c: Combination) {
  return {
    cancelCostReport: c.cancelCostReport,
    failureRefund: c.failureRefund === 'full' ? '1' : '0',
    jobListOrder: c.jobListOrder,
    startedMeaning: c.startedMeaning,
    echo: c.echo,
    outputVideoAfterPolls: c.outputVideoAfterPolls,
    // pages smaller than the gateway asks for, so that list order and paging matter with a few dozen jobs
    maxPageSize: 10
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Settings and faults

export interface ChaosSettings {
  seed: number
  creates: number
  /** client requests in flight at once */
  width: number
  /** a progress line for the test's output */
  log: (line: string) => void
}

const TEAMS = 4
const GRACE_MS = 3000
const HEADERS_TIMEOUT_MS = 800
// the processes' setting: it has to exceed the longest a create can be in flight (upstream timeouts, queue wait and
// the database's 25 s), or the gateway refuses to start
const PROCESS_STALE_PENDING_MS = 31_000
// the test's own passes run once every client is done (no create is in flight any more), so a pending row this old
// has lost its request for sure
const STALE_PENDING_MS = 3000
const CANCEL_SHARE = 0.25
const TIGHT_SHARE = 0.12
// how many distinct source URLs the creates share: two teams asking for the same video is what makes a lost create
// ambiguous to reconciliation (issue 15, 5)
const URL_POOL = 4
const CREATE_ATTEMPTS = 6
const CANCEL_ATTEMPTS = 5
const RETRY_AFTER_CAP_MS = 2500
// after the faults stop: how long the processes' own workers get to retry over-budget cancels
const OVER_BUDGET_WAIT_MS = 8000
// a drift is persistent after two checks (src/account/explain.ts); a few more let a switch and its corrections land
const ACCOUNT_CHECK_PASSES = 5
// the test's own checks run when every create has settled: nothing is in flight, and back-to-back checks that see
// the same drift are as good as checks an interval apart
const AFTER_SETTLE_CHECKS = { createInFlightMs: 0, intervalMs: 0 }

const CREATE = 'POST /api/jobs/from-url/'
const CANCEL = 'DELETE /api/jobs/:id/'
/** Faults of every kind the acceptance names, about a fifth of the creates and a third of the DELETEs. */
export const CHAOS_FAULTS: FaultRule[] = [
  { kind: 'commit_then_error', route: CREATE, status: 500, probability: 0.03 },
  { kind: 'commit_then_error', route: CREATE, status: 502, html: true, probability: 0.02 },
  { kind: 'commit_then_error', route: CREATE, status: 504, html: true, probability: 0.02 },
  { kind: 'lost_response', route: CREATE, probability: 0.03 },
  { kind: 'malformed_success', route: CREATE, body: 'no_id', probability: 0.01 },
  { kind: 'reset', route: CREATE, probability: 0.02 },
  { kind: 'error', route: CREATE, status: 503, probability: 0.02 },
  { kind: 'rate_limit', route: CREATE, probability: 0.03 },
  // some under the gateway's headers timeout (a slow success), some over it (created after the gateway gave up)
  { kind: 'latency', route: CREATE, probability: 0.03, delayMs: { min: 100, max: 1600 } },
  { kind: 'rate_limit', route: CANCEL, probability: 0.2 },
  { kind: 'error', route: CANCEL, status: 500, probability: 0.1 },
  { kind: 'commit_then_error', route: CANCEL, status: 502, html: true, probability: 0.05 },
  { kind: 'reset', route: CANCEL, probability: 0.03 },
  { kind: 'error', route: 'GET /api/jobs/:id/', status: 503, probability: 0.03 },
  { kind: 'error', route: 'GET /api/jobs/', status: 503, probability: 0.05 }
]

// A gateway start is a few CPU-seconds of module loading: combinations running side by side start their processes
// two at a time, so that no start waits behind a dozen others past its health timeout.
const starting = limited(2)
const SPAWN = { startTimeoutMs: 120_000 }

// ---------------------------------------------------------------------------------------------------------------
// Seeded choices

/** A seeded stream of client choices. */
export class Choices {
  private readonly random: Random
  constructor (seed: number, stream: string) { this.random = seededRandom(seed, stream) }
  next (): number { return this.random.next() }
  chance (p: number): boolean { return this.random.next() < p }
  int (n: number): number { return Math.floor(this.random.next() * n) }
  between (min: number, max: number): number { return min + this.random.next() * (max - min) }
}

/** The seed of a combination's simulator and clients: the run's seed and the combination's place in the matrix. */
export function combinationSeed (seed: number, index: number): number {
  return (Math.imul(seed, 2654435761) + index * 40503) >>> 0
}

// ---------------------------------------------------------------------------------------------------------------
// One create's identity

/** The options that carry a request's number through TensorPix (echoed, and ignored by reconciliation). */
export function taggedOptions (request: number) {
  return { stabilization_smoothing: Math.floor(request / 1000) % 41, sharpen_strength: (request % 1000) / 100 }
}

/** The request number a job (an upstream job, or a gateway record's request body) carries; null if none. */
export function requestNumberOf (body: Record<string, unknown>): number | null {
  const { stabilization_smoothing: high, sharpen_strength: low } = body
  if (typeof high !== 'number' || typeof low !== 'number') return null
  return high * 1000 + Math.round(low * 100)
}

/** A URL of the clip as a client might write it: some need normalising (a fragment, a dot segment). */
function sourceUrl (clip: ClipServer, choices: Choices): string {
  const plain = clip.url(choices.int(URL_POOL))
  switch (choices.int(3)) {
    case 0: return `${plain}#chaos`
    case 1: return plain.replace(/\/([^/]+)\?/, '/./$1?')
    default: return plain
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Clients

export interface ClientRequest {
  n: number
  team: number
  key: string
  body: Record<string, unknown>
  /** every answer, in order (0: the connection was lost) */
  statuses: number[]
  /** the upstream id of the first 201 */
  created: number | null
  /** set when the client cancelled: every DELETE answer */
  cancel: number[] | null
}

type Attempt = (target: GatewayProcess) => Promise<Answer>
const RETRYABLE = (status: number) => status === 0 || status === 409 || status === 429 || status >= 500

/** Retry delay: the answer's Retry-After when it has one, else exponential backoff; capped, jittered. */
function retryDelay (answer: Answer | null, attempt: number, choices: Choices): number {
  const header = answer?.headers.get('retry-after')
  const asked = header && /^\d+$/.test(header) ? Number(header) * 1000 : 100 * 2 ** attempt
  return Math.min(RETRY_AFTER_CAP_MS, asked) * choices.between(0.8, 1.2)
}

/**
 * One call with bounded retries on connection loss, 409, 429 and 5xx; a lost connection moves to the other process
 * (what a load balancer does when a replica dies).
 */
async function withRetries (gateways: Gateways, first: number, attempts: number, choices: Choices, call: Attempt,
  statuses: number[]): Promise<Answer | null> {
  let which = first
  let last: Answer | null = null
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      last = await call(gateways.pick(which))
      statuses.push(last.status)
      if (!RETRYABLE(last.status)) return last
    } catch {
      statuses.push(0)
      last = null
      which++
    }
    if (attempt < attempts - 1) await sleep(retryDelay(last, attempt, choices))
  }
  return last
}

interface Gateways {
  /** the process for this turn: the one asked for unless it is down */
  pick (which: number): GatewayProcess
}

function gatewaysOf (processes: [GatewayProcess, GatewayProcess], down: Set<number>): Gateways {
  return {
    pick (which) {
      const wanted = which % 2
      return processes[down.has(wanted) ? 1 - wanted : wanted] as GatewayProcess
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A run

export interface ChaosTeam { id: string, key: string, tight: boolean }

export interface ChaosRun {
  combination: Combination
  seed: number
  teams: ChaosTeam[]
  requests: ClientRequest[]
  /** the master account's balance before the first create and after everything settled */
  balanceBefore: Decimal
  balanceAfter: Decimal
  /** the account check's cumulative drift after the last pass (src/workers/account-check.ts) */
  accountCheckDrift: Decimal
  /** upstream jobs the gateway had to cancel for a hard budget that were still running before the drain */
  overBudgetStillRunning: number[]
  faultsFired: Record<string, number>
  /** the gateway's DELETEs by how their measurement against the balance came out (src/account/cancel-bracket.ts) */
  cancelMeasurements: Record<string, number>
  /** jobs left pending, unknown, queued or processing after the final settle */
  openAfterSettle: number
  upstream: TensorPixJob[]
  /** what the account lost to each upstream job: charged − refunded */
  lossByJob: Map<number, Decimal>
  /** each upstream job's status when reconciliation looked (after the grace, before the drain) */
  statusAtReconcile: Map<number, number>
  records: Array<{
    id: string
    teamId: string
    upstreamId: number | null
    state: string
    request: Record<string, unknown>
    responseStatus: number | null
    error: string | null
    createdAt: Date
    finishedAt: Date | null
  }>
  /** Σ charge − Σ refund per gateway job */
  netByRecord: Map<string, Decimal>
  chargedRecords: Set<string>
  ledgerNetByTeam: Map<string, Decimal>
  heldTotal: Decimal
  usageViolations: number
  timings: Record<string, number>
}

/** Runs one combination; every process, server and database it starts is stopped before it returns. */
export async function runCombination (combination: Combination, clip: ClipServer, settings: ChaosSettings):
Promise<ChaosRun> {
  const teardowns: Array<() => unknown> = []
  const scope: Teardown = { teardown: fn => { teardowns.push(fn) } }
  try {
    return await run(scope, combination, clip, settings)
  } finally {
    for (const fn of teardowns.reverse()) await Promise.resolve(fn()).catch(() => {})
  }
}

async function run (scope: Teardown, combination: Combination, clip: ClipServer, settings: ChaosSettings):
Promise<ChaosRun> {
  const started = Date.now()
  const timings: Record<string, number> = {}
  const mark = (name: string) => { timings[name] = Date.now() - started }
  const { db, url: databaseUrl } = await databaseForTest(scope)
  const sim = await startMoneySim(scope, {
    clock: 'realtime',
    seed: settings.seed,
    initialBalance: '1000000',
    // long enough that a job TensorPix has not picked up outlives reconciliation's grace (the driver below picks up
    // most of them early)
    queueMs: 20_000,
    processingMs: 2500,
    failureRate: 0.2,
    behaviour: simulatorBehaviour(combination)
  })
  const cost = await sim.priceOf(clip.body())
  const teams = await makeTeams(db, cost)
  const balanceBefore = new Decimal((await sim.account()).balance)
  // the account check's first reading, before any create: the balance every later check explains from
  await checkAccount(workerDeps(scope, db, sim), AFTER_SETTLE_CHECKS)
  const env = {
    DATABASE_URL: databaseUrl,
    TENSORPIX_BASE_URL: sim.url,
    TENSORPIX_TOKEN: sim.token,
    WORKER_INTERVAL_MS: '500',
    RECONCILE_GRACE_MS: String(GRACE_MS),
    STALE_PENDING_MS: String(PROCESS_STALE_PENDING_MS),
    UPSTREAM_CONNECT_TIMEOUT_MS: '1000',
    UPSTREAM_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    UPSTREAM_BODY_TIMEOUT_MS: '2000',
    ACCOUNT_CHECK_INTERVAL_MS: '1000'
  }
  const processes = await Promise.all([0, 1].map(() => starting(() => spawnGateway(scope, env, SPAWN)))) as
    [GatewayProcess, GatewayProcess]
  mark('gateways up')
  await sim.control('PUT', '/faults', { faults: CHAOS_FAULTS })

  const choices = new Choices(settings.seed, 'clients')
  const requests = planRequests(settings, teams, clip, choices)
  const driver = pickUpDriver(sim, settings.seed, requests)
  const down = new Set<number>()
  const gateways = gatewaysOf(processes, down)
  const killAt = Math.floor(settings.creates * 0.4)
  let killing: Promise<void> = Promise.resolve()
  await mapBoundedSettled(requests, settings.width, async request => {
    if (request.n === killAt) killing = killAndRestart(processes[0], down, settings.log)
    const { key } = teams[request.team] as ChaosTeam
    await createAndMaybeCancel(request, key, gateways, new Choices(settings.seed, `client-${request.n}`))
  })
  await killing
  const lastCreateAt = Date.now()
  mark('creates done')

  // the faults stop; worker passes (the processes' and the test's, made due) get a moment to retry what they retry
  const faultsFired = await firedFaults(sim)
  await sim.clearFaults()
  const deps = workerDeps(scope, db, sim)
  const onePass = () => settleAll(deps, { graceMs: GRACE_MS, stalePendingMs: STALE_PENDING_MS, timeoutMs: 0 })
  const overBudgetStillRunning = await overBudgetRunning(db, sim, onePass)
  await driver.stop()
  await Promise.all(processes.map(p => p.kill('SIGTERM')))
  mark('over-budget cancels')

  // reconciliation once its grace is over, while TensorPix still runs or queues jobs: a lost create is decided
  // from the job list as it stands then, not from a drained one
  await sleep(Math.max(0, lastCreateAt + Math.max(GRACE_MS, STALE_PENDING_MS) + 200 - Date.now()))
  const statusAtReconcile = new Map((await jobCharges(sim)).map(j => [j.id, j.status]))
  await reconcileAfterGrace(deps)
  mark('reconciled')
  await sim.drain()
  const openAfterSettle = await settleAll(deps, {
    graceMs: GRACE_MS, stalePendingMs: STALE_PENDING_MS, timeoutMs: 20_000
  })
  mark('settled')
  const accountCheckDrift = await accountCheckAfterSettle(deps)
  mark('account checked')

  const upstream = await sim.allJobs()
  return {
    combination,
    seed: settings.seed,
    teams,
    requests,
    balanceBefore,
    balanceAfter: new Decimal((await sim.account()).balance),
    overBudgetStillRunning,
    accountCheckDrift,
    faultsFired,
    openAfterSettle,
    upstream,
    lossByJob: await upstreamLoss(sim),
    statusAtReconcile,
    ...await gatewayBooks(db),
    timings
  }
}

/**
 * Three roomy teams, and one whose hard budget a create can break: its hold (0.6 of a job) passes while the actual
 * cost does not, so the gateway has to cancel the upstream job (issue 15, 3: through the DELETE faults).
 */
async function makeTeams (db: Db, cost: Decimal): Promise<ChaosTeam[]> {
  const roomy = { budgetCredits: '100000', maxJobCost: cost.times(3).toFixed(4), urlPolicy: { httpsOnly: false } }
  const tight = {
    budgetCredits: cost.times(2.7).toFixed(4),
    budgetMode: 'hard' as const,
    maxJobCost: cost.times(0.6).toFixed(4),
    urlPolicy: { httpsOnly: false }
  }
  const made = []
  for (let i = 0; i < TEAMS; i++) {
    const isTight = i === TEAMS - 1
    const { team, key } = await makeTeamWithKey(db, isTight ? tight : roomy)
    made.push({ id: team.id, key: key.key, tight: isTight })
  }
  return made
}

function planRequests (settings: ChaosSettings, teams: ChaosTeam[], clip: ClipServer, choices: Choices):
ClientRequest[] {
  return Array.from({ length: settings.creates }, (_, n) => {
    // the tight team asks rarely: its budget is gone after three creates
    const team = choices.chance(TIGHT_SHARE) ? teams.length - 1 : choices.int(teams.length - 1)
    return {
      n,
      team,
      key: `chaos-${settings.seed}-${n}`,
      body: { video_url: sourceUrl(clip, choices), ml_models: [34], ...taggedOptions(n) },
      statuses: [],
      created: null,
      cancel: choices.chance(CANCEL_SHARE) ? [] : null
    }
  })
}

async function createAndMaybeCancel (request: ClientRequest, key: string, gateways: Gateways, choices: Choices) {
  const answer = await withRetries(gateways, request.n, CREATE_ATTEMPTS, choices, target =>
    client(target.url, key).post('/api/jobs/from-url/', { json: request.body }, { 'idempotency-key': request.key }),
  request.statuses)
  if (answer?.status !== 201) return
  request.created = Number(answer.body.id)
  if (!request.cancel) return
  // a client that changes its mind: while the job is queued, or once it runs
  await sleep(choices.between(0, 3000))
  await withRetries(gateways, request.n + 1, CANCEL_ATTEMPTS, choices, target =>
    client(target.url, key).delete(`/api/jobs/${request.created}/`), request.cancel)
}

async function mapBoundedSettled<T> (items: T[], width: number, fn: (item: T) => Promise<void>) {
  let next = 0
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane))
}

async function killAndRestart (process: GatewayProcess, down: Set<number>, log: (line: string) => void) {
  down.add(0)
  await process.kill('SIGKILL')
  log('SIGKILLed gateway 1')
  await starting(() => process.restart())
  down.delete(0)
  log('gateway 1 restarted')
}

/**
 * TensorPix's workers: most jobs are picked up (queued → processing) within 1.5 s of their create, the rest wait
 * in the queue for the simulator's full queueMs, longer than reconciliation's grace. Jobs are found by the ids the
 * clients were answered (ids are sequential, so every lower id exists too).
 */
function pickUpDriver (sim: TestSimulator, seed: number, requests: ClientRequest[]) {
  const choices = new Choices(seed, 'pick-up')
  const state = { stopped: false }
  let nextId = 0
  const loop = (async () => {
    while (!state.stopped) {
      const highest = Math.max(0, ...requests.map(r => r.created ?? 0))
      if (nextId === 0 && highest > 0) nextId = highest
      for (; nextId > 0 && nextId <= highest; nextId++) {
        if (!choices.chance(0.7)) continue
        const id = nextId
        setTimeout(() => { if (!state.stopped) sim.control('POST', `/jobs/${id}/advance`).catch(() => {}) },
          choices.between(0, 1500)).unref()
      }
      await sleep(100)
    }
  })()
  return { stop: () => { state.stopped = true; return loop } }
}

async function firedFaults (sim: TestSimulator): Promise<Record<string, number>> {
  const { rules } = await sim.control<{ rules: Array<FaultRule & { fired: number }> }>('GET', '/faults')
  return Object.fromEntries(rules.map(r => [`${r.kind} ${r.route ?? '*'}${r.status ? ` ${r.status}` : ''}`, r.fired]))
}

/**
 * Upstream jobs the gateway answered 402 for after TensorPix created them (a hard budget broken by the actual cost)
 * that are still queued or processing a while after DELETE answers again: their cancel was given up.
 */
async function overBudgetRunning (db: Db, sim: TestSimulator, workerPass: () => Promise<unknown>):
Promise<number[]> {
  const running = async () => {
    const overBudget = await db.job.findMany({
      where: { responseStatus: 402, upstreamId: { not: null } }, select: { upstreamId: true }
    })
    const jobs = await Promise.all(overBudget.map(j => sim.job(j.upstreamId as number)))
    return jobs.filter(job => job.status === 0 || job.status === 1).map(job => job.id)
  }
  await eventually(async () => {
    await workerPass()
    return (await running()).length === 0
  }, OVER_BUDGET_WAIT_MS, 250)
  return running()
}

/**
 * Account check passes once everything settled, until the cumulative drift is 0 or the check had the passes it needs
 * to call a drift persistent and act on it (switch the end-of-job semantics it believes in and correct the jobs, in
 * ledger rows of their own). The cumulative drift of the last pass.
 */
async function accountCheckAfterSettle (deps: WorkerDeps): Promise<Decimal> {
  let drift = new Decimal(0)
  for (let pass = 0; pass < ACCOUNT_CHECK_PASSES; pass++) {
    const outcome = await checkAccount(deps, AFTER_SETTLE_CHECKS)
    if (!outcome) continue
    drift = new Decimal(outcome.cumulativeDrift)
    if (drift.isZero()) break
  }
  return drift
}

/** Reconciliation passes (the grace of every create is over), until no create is pending or unknown. */
async function reconcileAfterGrace (deps: WorkerDeps) {
  const options = { graceMs: GRACE_MS, stalePendingMs: STALE_PENDING_MS }
  for (let pass = 0; pass < 5; pass++) {
    await deps.db.$executeRaw`UPDATE jobs SET next_sync_at = now() - interval '1 second' WHERE state = 'unknown'`
    await reconcileLostCreates(deps, options)
    if (await deps.db.job.count({ where: { state: { in: ['pending', 'unknown'] } } }) === 0) return
  }
}

/** The simulator's own books of the master account's jobs (reading them is not a poll of TensorPix's API). */
async function jobCharges (sim: TestSimulator): Promise<AccountState['job_charges']> {
  return (await sim.account()).job_charges
}

/** What the master account lost to each upstream job, as the simulator's books say (not as its answers report). */
export async function upstreamLoss (sim: TestSimulator): Promise<Map<number, Decimal>> {
  return new Map((await jobCharges(sim)).map(j => [j.id, new Decimal(j.net)]))
}

async function gatewayBooks (db: Db) {
  const records = (await db.job.findMany({
    select: {
      id: true,
      teamId: true,
      upstreamId: true,
      state: true,
      request: true,
      responseStatus: true,
      error: true,
      createdAt: true,
      finishedAt: true
    }
  })).map(r => ({ ...r, request: r.request as Record<string, unknown> }))
  const netByRecord = new Map<string, Decimal>()
  const chargedRecords = new Set<string>()
  for (const row of await db.ledgerEntry.findMany({ where: { kind: { in: ['charge', 'refund'] } } })) {
    if (row.jobId === null) continue
    if (row.kind === 'charge') chargedRecords.add(row.jobId)
    const net = netByRecord.get(row.jobId) ?? new Decimal(0)
    netByRecord.set(row.jobId, row.kind === 'charge' ? net.plus(row.amount.toString()) : net.minus(row.amount.toString()))
  }
  return {
    records,
    netByRecord,
    chargedRecords,
    ledgerNetByTeam: await ledgerNetByTeam(db),
    heldTotal: await totalHeld(db),
    usageViolations: (await invariantViolations(db)).length,
    cancelMeasurements: await cancelMeasurements(db)
  }
}

/** How the gateway's DELETEs were measured against the balance: "outcome (note)" → how many. */
async function cancelMeasurements (db: Db): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const bracket of await db.cancelBracket.findMany({ select: { outcome: true, note: true } })) {
    const key = `${bracket.outcome ?? 'open'}${bracket.note ? ` (${bracket.note})` : ''}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

// ---------------------------------------------------------------------------------------------------------------
// What went wrong

const TOLERANCE = new Decimal('0.0001')
const ZERO = new Decimal(0)

export interface TeamMoney { team: number, ledgerNet: string, accountLost: string }

/** Everything that broke in a run; every list empty and every figure zero is a pass. */
export interface Findings {
  /** upstream jobs with no gateway record: they run uncharged */
  unrecordedUpstreamJobs: number[]
  /** upstream jobs with more than one gateway record */
  doublyRecordedUpstreamJobs: number[]
  /** gateway records whose upstream id TensorPix does not have */
  phantomRecords: number[]
  /** gateway records holding an upstream job another request asked for (reconciliation took the wrong one) */
  recordsWithAnotherRequestsJob: Array<{ upstreamId: number, askedBy: number | null, recordOf: number | null }>
  /** client requests (one Idempotency-Key each) that made more than one upstream job */
  keysWithSeveralUpstreamJobs: Array<{ request: number, upstreamIds: number[] }>
  /** 201 answers without a charged record of that team for that very request */
  createdWithoutChargedRecord: Array<{ request: number, upstreamId: number, why: string }>
  /** jobs still pending, unknown, queued or processing after the final settle */
  openJobs: number
  /** credits still held after the grace period */
  openHolds: string
  /** usage rows that differ from the re-summed ledger */
  usageViolations: number
  /** teams whose ledger net differs from what the account lost to their jobs */
  teamsOff: TeamMoney[]
  /** the account's balance change less Σ ledger net over all teams */
  accountDrift: string
  /** the account check's own cumulative drift */
  accountCheckDrift: string
  /** over-budget jobs still running upstream after the faults stopped */
  overBudgetStillRunning: number[]
}

/**
 * Account drift as the test measures it: what the master account lost (balance before − after) less what the
 * ledger charged all teams net. The account check (src/workers/account-check.ts) reports its own figure, which also
 * counts upstream jobs no record owns as "outside the gateway": the test asserts both.
 */
export function accountDriftFromBalances (run: ChaosRun): Decimal {
  const lost = run.balanceBefore.minus(run.balanceAfter)
  const charged = [...run.ledgerNetByTeam.values()].reduce((a, b) => a.plus(b), ZERO)
  return lost.minus(charged)
}

export function findings (run: ChaosRun): Findings {
  const recordsByUpstream = new Map<number, ChaosRun['records']>()
  for (const r of run.records) {
    if (r.upstreamId === null) continue
    recordsByUpstream.set(r.upstreamId, [...recordsByUpstream.get(r.upstreamId) ?? [], r])
  }
  const upstreamById = new Map(run.upstream.map(u => [u.id, u]))
  const jobsByRequest = new Map<number, number[]>()
  for (const u of run.upstream) {
    const n = requestNumberOf(u)
    if (n !== null) jobsByRequest.set(n, [...jobsByRequest.get(n) ?? [], u.id])
  }

  const recordsWithAnotherRequestsJob = []
  for (const r of run.records) {
    const job = r.upstreamId === null ? undefined : upstreamById.get(r.upstreamId)
    if (!job) continue
    const askedBy = requestNumberOf(job)
    const recordOf = requestNumberOf(r.request)
    if (askedBy !== recordOf) recordsWithAnotherRequestsJob.push({ upstreamId: job.id, askedBy, recordOf })
  }

  const createdWithoutChargedRecord = []
  for (const request of run.requests) {
    if (request.created === null) continue
    const why = createdProblem(run, request, recordsByUpstream.get(request.created) ?? [], upstreamById)
    if (why) createdWithoutChargedRecord.push({ request: request.n, upstreamId: request.created, why })
  }

  const lostByTeam = new Map<string, Decimal>()
  for (const [upstreamId, records] of recordsByUpstream) {
    const owner = records[0]
    if (!owner || records.length > 1) continue
    const lost = run.lossByJob.get(upstreamId) ?? ZERO
    lostByTeam.set(owner.teamId, (lostByTeam.get(owner.teamId) ?? ZERO).plus(lost))
  }
  const teamsOff = run.teams.flatMap((team, i) => {
    const ledgerNet = run.ledgerNetByTeam.get(team.id) ?? ZERO
    const accountLost = lostByTeam.get(team.id) ?? ZERO
    return ledgerNet.minus(accountLost).abs().gt(TOLERANCE)
      ? [{ team: i, ledgerNet: ledgerNet.toFixed(4), accountLost: accountLost.toFixed(4) }]
      : []
  })

  return {
    unrecordedUpstreamJobs: run.upstream.filter(u => !recordsByUpstream.has(u.id)).map(u => u.id),
    doublyRecordedUpstreamJobs: [...recordsByUpstream].filter(([, rs]) => rs.length > 1).map(([id]) => id),
    phantomRecords: [...recordsByUpstream.keys()].filter(id => !upstreamById.has(id)),
    recordsWithAnotherRequestsJob,
    keysWithSeveralUpstreamJobs: [...jobsByRequest]
      .filter(([, ids]) => ids.length > 1).map(([request, upstreamIds]) => ({ request, upstreamIds })),
    createdWithoutChargedRecord,
    openJobs: run.openAfterSettle,
    openHolds: run.heldTotal.toFixed(4),
    usageViolations: run.usageViolations,
    teamsOff,
    accountDrift: accountDriftFromBalances(run).toFixed(4),
    accountCheckDrift: run.accountCheckDrift.toFixed(4),
    overBudgetStillRunning: run.overBudgetStillRunning
  }
}

/** Whether a run found nothing wrong. */
export function isClean (found: Findings): boolean {
  return Object.values(found).every(value => Array.isArray(value) ? value.length === 0 : Number(value) === 0)
}

/** Why a 201 the client got does not stand for a charged record of its own request, or null when it does. */
function createdProblem (run: ChaosRun, request: ClientRequest, records: ChaosRun['records'],
  upstreamById: Map<number, TensorPixJob>): string | null {
  const job = upstreamById.get(request.created as number)
  if (!job) return 'no such upstream job'
  if (requestNumberOf(job) !== request.n) return `the upstream job is request ${requestNumberOf(job)}'s`
  const [record] = records
  if (!record) return 'no gateway record'
  if (record.teamId !== run.teams[request.team]?.id) return 'recorded for another team'
  if (!run.chargedRecords.has(record.id)) return `the record (${record.state}) was never charged`
  return null
}

/** A line on what happened to a client request, its records and its upstream jobs: for a failure's report. */
export function explainRequest (run: ChaosRun, n: number): string {
  const request = run.requests[n]
  if (!request) return `request ${n}: unknown`
  // times in seconds since the request's first record was made
  const records = run.records.filter(r => requestNumberOf(r.request) === n)
  const zero = Math.min(...records.map(r => r.createdAt.getTime()))
  const at = (time: Date | string | null | undefined) =>
    time ? `${((new Date(time).getTime() - zero) / 1000).toFixed(1)} s` : 'never'
  const recordLines = records.map(r => `record ${r.state}${r.upstreamId === null ? '' : ` of ${r.upstreamId}`}` +
    `${r.error ? ` (${r.error})` : ''} made at ${at(r.createdAt)}, ended at ${at(r.finishedAt)}, ` +
    `net ${run.netByRecord.get(r.id)?.toFixed(4) ?? '0'}`)
  const jobs = run.upstream.filter(u => requestNumberOf(u) === n)
    .map(u => `upstream ${u.id} started ${at(u.started)} (start_frame ${String(u.start_frame)}), status ` +
      `${run.statusAtReconcile.get(u.id)} at the test's reconciliation, ${u.status} at the end, ` +
      `lost ${run.lossByJob.get(u.id)?.toFixed(4)}`)
  return `request ${n} (team ${request.team}, ${String(request.body.video_url)}): answers ` +
    `${request.statuses.join(' ')}${request.cancel ? `, cancel ${request.cancel.join(' ') || 'not sent'}` : ''}; ` +
    `${[...recordLines, ...jobs].join('; ') || 'no record, no upstream job'}`
}

/** The client requests behind what `findings` reports, one line each. */
export function explainFindings (run: ChaosRun, found: Findings): string[] {
  const requests = new Set<number>()
  const byUpstream = (id: number) => {
    const job = run.upstream.find(u => u.id === id)
    const n = job ? requestNumberOf(job) : null
    if (n !== null) requests.add(n)
  }
  found.unrecordedUpstreamJobs.forEach(byUpstream)
  found.doublyRecordedUpstreamJobs.forEach(byUpstream)
  found.overBudgetStillRunning.forEach(byUpstream)
  for (const r of found.recordsWithAnotherRequestsJob) {
    if (r.askedBy !== null) requests.add(r.askedBy)
    if (r.recordOf !== null) requests.add(r.recordOf)
  }
  for (const k of found.keysWithSeveralUpstreamJobs) requests.add(k.request)
  for (const c of found.createdWithoutChargedRecord) requests.add(c.request)
  if (found.teamsOff.length > 0 || found.accountDrift !== '0.0000' || found.accountCheckDrift !== '0.0000') {
    // the records whose net differs from what the account lost to their upstream job
    for (const r of run.records) {
      if (r.upstreamId === null) continue
      const net = run.netByRecord.get(r.id) ?? ZERO
      const lost = run.lossByJob.get(r.upstreamId) ?? ZERO
      const n = requestNumberOf(r.request)
      if (!net.equals(lost) && n !== null) requests.add(n)
    }
  }
  return [...requests].sort((a, b) => a - b).map(n => explainRequest(run, n))
}
