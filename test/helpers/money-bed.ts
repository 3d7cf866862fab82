// The pieces the money-path tests (test/integration/money/, replicas, reports) build their beds from: the simulator
// with a second account to price jobs on, a loopback server for the one video clip, and the in-process gateway in
// front of them; and the over-budget bed (a gateway process whose team's hard budget a job's actual cost breaks).
// Gateway processes are in processes.ts, the worker passes in workers.ts, the invariants in ledger.ts.
import pino from 'pino'
import type { Test } from 'tap'
import { createScraper } from '../../src/metrics/scrape.ts'
import type { FaultRule, SimulatorOptions } from '../../src/simulator/index.ts'
import { makeTeamWithKey } from './factories.ts'
import { buildTestGateway, listen, type TestGateway, type TestGatewayOptions } from './gateway.ts'
import { client } from './http.ts'
import { spawnGateway } from './processes.ts'
import { parseMetrics } from './prometheus.ts'
import { startTestSimulator, type TestSimulator } from './simulator.ts'
import type { Teardown } from './teardown.ts'
import { databaseForTest } from './test-database.ts'
import { startVideoServer } from './video-server.ts'

export const MONEY_CLIP = 'clip-320x180-24fps-48f.mp4'
export const MONEY_SIM_TOKEN = 'money-sim-token-3b8e1f'
// a second simulator account, used only to ask the simulator what a job costs without touching the main account
export const MONEY_PROBE_TOKEN = 'money-probe-token-9c2d4a'

export interface ClipServer {
  /** http://127.0.0.1:<port>/clip…mp4, with an optional tag in the query string (ignored by the server) */
  url (tag?: string | number): string
  /** a from-url create of the clip (the tagged URL) through the 200% upscaler, model 34 */
  body (tag?: string | number): { video_url: string, ml_models: number[] }
  requests: number
  close (): Promise<void>
}

export async function startClipServer (t: Teardown): Promise<ClipServer> {
  const videos = await startVideoServer(t)
  const url = (tag?: string | number) => `${videos.url(MONEY_CLIP)}${tag === undefined ? '' : `?n=${tag}`}`
  return {
    url,
    body: tag => ({ video_url: url(tag), ml_models: [34] }),
    get requests () { return videos.requests.length },
    close: videos.close
  }
}

/** The simulator on the money tests' own seed, with the master account and the probe account for `priceOf`. */
export async function startMoneySim (t: Teardown, options: Partial<SimulatorOptions> = {}): Promise<TestSimulator> {
  return startTestSimulator(t, { seed: 11, ...options, tokens: [MONEY_SIM_TOKEN, MONEY_PROBE_TOKEN] })
}

/**
 * The in-process money bed: the money simulator, the clip server, the gateway listening in front of the simulator,
 * and what one create of the clip costs there (so a test can set budgets in jobs).
 */
export async function moneyBed (t: Test, options: Omit<TestGatewayOptions, 'upstream'> = {}) {
  const sim = await startMoneySim(t)
  const clip = await startClipServer(t)
  const { gw, origin } = await listeningGateway(t, sim, options)
  return { sim, clip, gw, origin, cost: await sim.priceOf(clip.body()) }
}

/** The in-process gateway (buildTestGateway) on the simulator, listening on 127.0.0.1, and its origin. */
export async function listeningGateway (t: Test, sim: TestSimulator,
  options: Omit<TestGatewayOptions, 'upstream'> = {}): Promise<{ gw: TestGateway, origin: string }> {
  const gw = await buildTestGateway(t, { ...options, upstream: sim.target })
  return { gw, origin: await listen(gw) }
}

/** The 402 of an over-budget create whose cancel TensorPix has not confirmed (yet). */
export const CANCEL_PENDING = /more than the team has left; its cancellation at TensorPix is pending/

/**
 * A gateway process with its workers on a short interval, one team whose hold (maxJobCost, half the clip's cost)
 * fits its hard budget (0.6 of the cost) while the actual cost does not, and a webhook endpoint for its events.
 */
export async function overBudgetBed (t: Test) {
  const database = await databaseForTest(t)
  const db = database.db
  const sim = await startMoneySim(t)
  const clip = await startClipServer(t)
  const cost = await sim.priceOf(clip.body())
  const budget = cost.times(0.6).toDecimalPlaces(4)
  const { team, key } = await makeTeamWithKey(db, {
    budgetCredits: budget.toFixed(4),
    maxJobCost: cost.dividedBy(2).toDecimalPlaces(4).toFixed(4),
    urlPolicy: { httpsOnly: false }
  })
  // never reached: the events are read from the outbox
  await db.webhookEndpoint.create({ data: { teamId: team.id, url: 'https://hooks.example.test/tpx', secret: 'whsec_over', events: [] } })
  const gateway = await spawnGateway(t, {
    DATABASE_URL: database.url, TENSORPIX_BASE_URL: sim.url, TENSORPIX_TOKEN: sim.token, WORKER_INTERVAL_MS: '200'
  })
  const api = client(gateway.url, key.key)
  const create = (idempotencyKey?: string) =>
    api.post('/api/jobs/from-url/', { json: clip.body() }, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {})
  /** An over-budget create with the given faults on TensorPix: its 402 and the gateway's job. */
  const overBudgetCreate = async (faults: FaultRule[], idempotencyKey?: string) => {
    for (const fault of faults) await sim.fault(fault)
    const res = await create(idempotencyKey)
    t.equal(res.status, 402, 'the actual cost breaks the hard budget')
    return { res, job: await db.job.findFirstOrThrow({ where: { teamId: team.id } }) }
  }
  const jobOf = (id: string) => db.job.findUniqueOrThrow({ where: { id } })
  const overspentEvents = async () => (await db.webhookDelivery.findMany({ where: { teamId: team.id, eventType: 'budget.overspent' } }))
    .map(d => (d.payload as { data: Record<string, unknown> }).data)
  const scrape = async () => parseMetrics(await createScraper({
    db, keyLookups: { hit: 0, miss: 0, capped: 0, throttled: 0 }, stalePendingMs: 60_000, log: pino({ level: 'silent' })
  }).scrape())
  return { db, sim, team, cost, budget, gateway, create, overBudgetCreate, jobOf, overspentEvents, scrape }
}
