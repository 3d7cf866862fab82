// The TensorPix simulator over real HTTP, with its /__sim/ control API wrapped for tests.
import { startSimulator, type FaultRule, type SimulatorOptions } from '../../src/simulator/index.ts'
import type { Teardown } from './video-server.ts'

export const SIM_TOKEN = 'sim-master-token-5d1e'

export interface AccountState {
  user_id: number
  email: string
  balance: string
  jobs_created: number
  credits_charged: string
  credits_refunded: string
  storage_used: number
  storage_quota: number
  jobs: { queued: number, processing: number, finished: number, failed: number, canceled: number }
  videos: number
  restored_videos: number
}

export interface SimJob { id: number, status: number, cost_usd: string, output_video: { id: number } | null, [field: string]: unknown }

export interface TestSimulator {
  url: string
  token: string
  /** Calls the control API; throws on an error status. */
  control<T = unknown> (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>
  account (token?: string): Promise<AccountState>
  fault (rule: Partial<FaultRule> & { kind: FaultRule['kind'] }): Promise<void>
  clearFaults (): Promise<void>
  complete (id: number): Promise<SimJob>
  fail (id: number): Promise<SimJob>
  advance (id: number): Promise<SimJob>
  close (): Promise<void>
}

export async function startTestSimulator (t: Teardown, options: Partial<SimulatorOptions> = {}): Promise<TestSimulator> {
  const tokens = options.tokens ?? [SIM_TOKEN]
  const running = await startSimulator({ controlApi: true, seed: 7, ...options, tokens })
  t.teardown(() => running.close())
  const control = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${running.url}/__sim${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`simulator control ${method} ${path}: ${res.status} ${text}`)
    return (text ? JSON.parse(text) : null) as T
  }
  return {
    url: running.url,
    token: tokens[0] as string,
    control,
    async account (token = tokens[0] as string) {
      const state = await control<{ accounts: Record<string, AccountState> }>('GET', '/state')
      const account = state.accounts[token]
      if (!account) throw new Error(`no simulator account for ${token}`)
      return account
    },
    async fault (rule) { await control('POST', '/faults', rule) },
    async clearFaults () { await control('DELETE', '/faults') },
    complete: id => control<SimJob>('POST', `/jobs/${id}/complete`),
    fail: id => control<SimJob>('POST', `/jobs/${id}/fail`),
    advance: id => control<SimJob>('POST', `/jobs/${id}/advance`),
    close: () => running.close()
  }
}
