// The TensorPix simulator over real HTTP for the gateway's tests, with its /__sim/ control API wrapped: faults, job
// transitions, the accounts' money, and the master account's jobs as TensorPix lists them.
import { Decimal } from 'decimal.js'
import { startSimulator, type FaultRule, type SimulatorOptions } from '../../src/simulator/index.ts'
import type { UpstreamTarget } from '../../src/upstream/target.ts'
import { client } from './http.ts'
import type { TensorPixJob } from './tensorpix.ts'
import type { Teardown } from './teardown.ts'

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
  /** what the account lost to each job: charged at create, refunded since (whatever cost_usd reports) */
  job_charges: Array<{ id: number, status: number, charged: string, refunded: string, net: string }>
  videos: number
  restored_videos: number
}

export interface TestSimulator {
  url: string
  /** the master account's token (the first of `tokens`) */
  token: string
  /** where a gateway in front of this simulator forwards to */
  target: UpstreamTarget
  /** Calls the control API; throws on an error status. */
  control<T = unknown> (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>
  account (token?: string): Promise<AccountState>
  fault (rule: Partial<FaultRule> & { kind: FaultRule['kind'] }): Promise<void>
  clearFaults (): Promise<void>
  complete (id: number): Promise<TensorPixJob>
  fail (id: number): Promise<TensorPixJob>
  advance (id: number): Promise<TensorPixJob>
  /** settles every open job at once; the jobs it settled */
  drain (): Promise<Array<{ id: number, status: number }>>
  /** GET /api/jobs/{id}/ with the master token */
  job (id: number): Promise<TensorPixJob>
  /** every job of the master account (GET /api/jobs/, all pages) */
  allJobs (): Promise<TensorPixJob[]>
  /**
   * What one create of the body costs as the simulator prices it, asked on the second account (`tokens[1]`), so the
   * master account's money is left alone; throws when the simulator has no second account.
   */
  priceOf (body: Record<string, unknown>): Promise<Decimal>
  close (): Promise<void>
}

export async function startTestSimulator (t: Teardown, options: Partial<SimulatorOptions> = {}):
Promise<TestSimulator> {
  const tokens = options.tokens ?? [SIM_TOKEN]
  const master = tokens[0] as string
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
  /** the TensorPix API itself, with an account's token; throws unless it answers `expected` */
  const api = async <T>(method: string, path: string, token: string, expected: number, body?: unknown): Promise<T> => {
    const res = await client(running.url, token).call<T>(method, path, body === undefined ? undefined : { json: body })
    if (res.status !== expected) throw new Error(`simulator ${method} ${path}: ${res.status} ${res.text}`)
    return res.body
  }
  return {
    url: running.url,
    token: master,
    target: { baseUrl: running.url, token: master, simulated: true },
    control,
    account: (token = master) => control<AccountState>('GET', `/accounts/${token}`),
    async fault (rule) { await control('POST', '/faults', rule) },
    async clearFaults () { await control('DELETE', '/faults') },
    complete: id => control<TensorPixJob>('POST', `/jobs/${id}/complete`),
    fail: id => control<TensorPixJob>('POST', `/jobs/${id}/fail`),
    advance: id => control<TensorPixJob>('POST', `/jobs/${id}/advance`),
    async drain () {
      return (await control<{ settled: Array<{ id: number, status: number }> }>('POST', '/jobs/drain')).settled
    },
    job: id => api<TensorPixJob>('GET', `/api/jobs/${id}/`, master, 200),
    async allJobs () {
      const jobs: TensorPixJob[] = []
      // by the page the simulator really answers: a capped page (maxPageSize) is shorter than the limit asked
      for (;;) {
        const path = `/api/jobs/?limit=1000&offset=${jobs.length}`
        const page = await api<{ count: number, results: TensorPixJob[] }>('GET', path, master, 200)
        jobs.push(...page.results)
        if (page.results.length === 0 || jobs.length >= page.count) return jobs
      }
    },
    async priceOf (body) {
      const probe = tokens[1]
      if (probe === undefined) throw new Error('priceOf needs a second simulator account (options.tokens[1])')
      return new Decimal((await api<{ cost_usd: string }>('POST', '/api/jobs/from-url/', probe, 201, body)).cost_usd)
    },
    close: () => running.close()
  }
}
