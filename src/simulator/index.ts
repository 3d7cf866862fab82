// Public surface of the TensorPix simulator.
import type { AddressInfo } from 'node:net'
import { buildSimulator } from './app.ts'
import type { SimApp } from './context.ts'
import type { SimulatorOptions } from './options.ts'

export { buildSimulator } from './app.ts'
export type { SimulatorOptions } from './options.ts'
export { applyBehaviour, DEFAULT_BEHAVIOUR, BehaviourChangeSchema, type Behaviour, type BehaviourChange } from './behaviour.ts'
export type { SimApp } from './context.ts'
export { ML_MODELS, TASKS, findModel, type MLModel, type Task } from './catalogue.ts'
export { FAULT_KINDS, FaultRuleSchema, type FaultRule, type FaultKind } from './faults.ts'
export { jobCost, cancelRefund, segmentFrames, PROCESSING_CANCEL_REFUND, CREDITS_PER_REFERENCE_FRAME, MINIMUM_CHARGE } from './pricing.ts'

export interface RunningSimulator {
  url: string
  app: SimApp
  close(): Promise<void>
}

/** Builds and listens (port 0 picks a free port); `url` is the origin to use as TensorPix's base URL. */
export async function startSimulator (
  options: SimulatorOptions & { host?: string, port?: number }
): Promise<RunningSimulator> {
  const { host = '127.0.0.1', port = 0, ...rest } = options
  const app = await buildSimulator(rest)
  await app.listen({ host, port })
  const address = app.server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return { url: `http://${shownHost}:${address.port}`, app, close: () => app.close() }
}
