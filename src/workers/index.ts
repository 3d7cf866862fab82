// Background workers: status sync, reconciliation of lost creates, over-budget cancels, webhook delivery, retention,
// drift checks and the account check. Each is a loop that runs a pass, waits, and runs again; a pass never overlaps
// itself, and stop() waits for the pass in progress.
import type { WorkerDeps, WorkerLog } from './deps.ts'
import { outboundAgent, type OutboundPolicy } from '../net/outbound.ts'
import { deliverDueWebhooks, type DeliveryOptions } from './deliver-webhooks.ts'
import { reconcileLostCreates, type ReconcileOptions } from './reconcile.ts'
import { checkDrift } from './drift.ts'
import { retryOverBudgetCancels } from './over-budget-cancels.ts'
import { checkAccount, type AccountCheckOptions } from './account-check.ts'
import { enforceRetention } from './retention.ts'
import { syncDueJobs } from './status-sync.ts'

export interface Workers { stop(): Promise<void> }

interface Loop { name: string, run: () => Promise<unknown> }

function startLoop ({ name, run }: Loop, everyMs: number, log: WorkerLog) {
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let current: Promise<unknown> = Promise.resolve()
  const tick = () => {
    current = run()
      .catch(err => log.error({ err, worker: name }, 'worker pass failed'))
      .finally(() => { if (!stopped) timer = setTimeout(tick, everyMs) })
  }
  timer = setTimeout(tick, everyMs)
  return async () => {
    stopped = true
    clearTimeout(timer)
    await current
  }
}

export interface WorkerOptions extends ReconcileOptions {
  everyMs: number
  retentionEveryMs: number
  drift: { everyMs: number, lookbackDays: number }
  accountCheck: AccountCheckOptions
  webhooks: DeliveryOptions & { timeoutMs: number, policy: OutboundPolicy }
}

export function startWorkers (deps: Omit<WorkerDeps, 'now'>, options: WorkerOptions): Workers {
  const workerDeps = { ...deps, now: () => new Date() }
  const { policy, timeoutMs, ...delivery } = options.webhooks
  const agent = outboundAgent(policy, { timeoutMs })
  const deliveryDeps = { db: deps.db, log: deps.log, agent, policy, timeoutMs, options: delivery }
  const stops = [
    startLoop({ name: 'status-sync', run: () => syncDueJobs(workerDeps) }, options.everyMs, deps.log),
    startLoop({ name: 'reconcile', run: () => reconcileLostCreates(workerDeps, options) }, options.everyMs, deps.log),
    startLoop({ name: 'over-budget-cancels', run: () => retryOverBudgetCancels(workerDeps) }, options.everyMs, deps.log),
    startLoop({ name: 'webhooks', run: () => deliverDueWebhooks(deliveryDeps) }, options.everyMs, deps.log),
    startLoop({ name: 'retention', run: () => enforceRetention(workerDeps) }, options.retentionEveryMs, deps.log),
    startLoop({ name: 'drift', run: () => checkDrift(workerDeps, options.drift.lookbackDays) }, options.drift.everyMs, deps.log),
    startLoop({ name: 'account-check', run: () => checkAccount(workerDeps, options.accountCheck) },
      options.accountCheck.intervalMs, deps.log)
  ]
  return {
    stop: async () => {
      await Promise.all(stops.map(stop => stop()))
      await agent.close()
    }
  }
}
