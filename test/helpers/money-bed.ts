// The pieces the money-path tests (test/integration/money/, replicas, reports) build their beds from: the simulator
// with a second account to price jobs on, a loopback server for the one video clip, and the in-process gateway in
// front of them. Gateway processes are in processes.ts, the worker passes in workers.ts, the invariants in ledger.ts.
import type { Test } from 'tap'
import type { SimulatorOptions } from '../../src/simulator/index.ts'
import { buildTestGateway, listen, type TestGateway, type TestGatewayOptions } from './gateway.ts'
import { startTestSimulator, type TestSimulator } from './simulator.ts'
import type { Teardown } from './teardown.ts'
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
