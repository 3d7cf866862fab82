// The process-wide instruments, fed from the request path, the upstream client and the ledger. The hot path does
// no label lookups and allocates nothing: counters are plain tallies copied into prom-client when somebody scrapes,
// and histograms are bound to their label sets once (bound-histogram.ts).
import { Decimal } from 'decimal.js'
import { collectDefaultMetrics, Counter, Registry } from 'prom-client'
import { BoundHistogram, type HistogramSeries } from './bound-histogram.ts'
import { afterCommit } from '../db/after-commit.ts'

export const processRegistry = new Registry()

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const OVERHEAD_SECONDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]

const requestDuration = new BoundHistogram('tpx_http_request_duration_seconds',
  'Time from request to the last byte of the answer, by route pattern', SECONDS)
const gatewayOverhead = new BoundHistogram('tpx_gateway_overhead_seconds',
  'Data-plane requests that called TensorPix: their duration minus the time spent waiting for TensorPix', OVERHEAD_SECONDS)
const upstreamDuration = new BoundHistogram('tpx_upstream_request_duration_seconds',
  'Time waiting for TensorPix per call (after the fair-share queue)', SECONDS)
for (const histogram of [requestDuration, gatewayOverhead, upstreamDuration]) {
  processRegistry.registerMetric(histogram.asMetric())
}
const upstreamSeries = upstreamDuration.bind()

/** Answers of one route pattern and method: a count per status and the latency histograms, bound once. */
export class RouteObserver {
  readonly statuses = new Map<number, number>()
  private readonly duration: HistogramSeries
  private readonly overhead: HistogramSeries

  constructor (readonly method: string, readonly route: string) {
    this.duration = requestDuration.bind({ method, route })
    this.overhead = gatewayOverhead.bind({ method, route })
  }

  /** `upstreamMs` is the time a data-plane request waited for TensorPix; undefined elsewhere. */
  observe (status: number, elapsedMs: number, upstreamMs: number | undefined): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1)
    this.duration.observe(elapsedMs / 1000)
    if (upstreamMs) this.overhead.observe((elapsedMs - upstreamMs) / 1000)
  }
}

const observers = new Map<string, RouteObserver>()

/** The observer of a route pattern (e.g. `/api/jobs/:id/`, never a raw URL), shared by every app in the process. */
export function routeObserver (method: string, route: string): RouteObserver {
  const key = `${method} ${route}`
  let observer = observers.get(key)
  if (!observer) {
    observer = new RouteObserver(method, route)
    observers.set(key, observer)
  }
  return observer
}

type Tally<L extends string> = [labels: Record<L, string | number>, value: number]
interface CounterInfo<L extends string> { name: string, help: string, labelNames: readonly L[] }

/** A counter whose values are plain tallies, read only when somebody scrapes. */
export function talliedCounter<L extends string> (
  registry: Registry,
  { name, help, labelNames }: CounterInfo<L>,
  read: () => Iterable<Tally<L>>
): void {
  registry.registerMetric(new Counter({
    name,
    help,
    labelNames,
    registers: [],
    collect () {
      this.reset()
      for (const [labels, value] of read()) this.inc(labels, value)
    }
  }))
}

talliedCounter(processRegistry, {
  name: 'tpx_http_requests_total', help: 'Answers by route pattern, method and status code', labelNames: ['method', 'route', 'status']
}, function * () {
  for (const { method, route, statuses } of observers.values()) {
    for (const [status, count] of statuses) yield [{ method, route, status }, count]
  }
})

export const UPSTREAM_OUTCOMES = [
  'ok', 'client_error', 'rate_limited', 'server_error', 'timeout', 'unreachable', 'reset', 'bad_response', 'saturated'
] as const
export type UpstreamOutcome = typeof UPSTREAM_OUTCOMES[number]

const upstreamCalls =
  Object.fromEntries(UPSTREAM_OUTCOMES.map(outcome => [outcome, 0])) as Record<UpstreamOutcome, number>

export function upstreamOutcome (status: number): UpstreamOutcome {
  if (status === 429) return 'rate_limited'
  if (status >= 500) return 'server_error'
  return status >= 400 ? 'client_error' : 'ok'
}

/** One TensorPix call; `ms` is undefined for a call that never left the queue (saturated). */
export function observeUpstreamCall (outcome: UpstreamOutcome, ms?: number): void {
  upstreamCalls[outcome]++
  if (ms !== undefined) upstreamSeries.observe(ms / 1000)
}

talliedCounter(processRegistry, {
  name: 'tpx_upstream_requests_total',
  help: 'TensorPix calls by outcome: an HTTP status class, or why no answer came (timeout, unreachable, reset, bad_response, saturated)',
  labelNames: ['outcome']
}, () => UPSTREAM_OUTCOMES.map(outcome => [{ outcome }, upstreamCalls[outcome]]))

let outOfCreditsRefusals = 0

/** A create TensorPix refused because the shared account cannot pay: operators must top it up. */
export function countOutOfCreditsRefusal (): void {
  outOfCreditsRefusals++
}

talliedCounter(processRegistry, {
  name: 'tpx_upstream_out_of_credits_total',
  help: 'Creates TensorPix refused because the shared account cannot pay (answered 503 until it is topped up)',
  labelNames: []
}, () => [[{}, outOfCreditsRefusals]])

const cancelMeasurements = new Map<string, number>()

/** A gateway DELETE measured against the balance (src/account/cancel-bracket.ts), by its outcome. */
export function countCancelMeasurement (outcome: 'measured' | 'not_cancelled' | 'unclean' | 'unmeasured'): void {
  cancelMeasurements.set(outcome, (cancelMeasurements.get(outcome) ?? 0) + 1)
}

talliedCounter(processRegistry, {
  name: 'tpx_cancel_measurements_total',
  help: 'Gateway DELETEs measured against the account balance, by outcome: measured (the refund was recorded), ' +
    'not_cancelled (no refund showed), unclean (something else could have moved the balance), unmeasured (sent ' +
    'without a bracket); the last two are settled by belief, with the account check as fallback',
  labelNames: ['outcome']
}, () => [...cancelMeasurements].map(([outcome, count]) => [{ outcome }, count]))

export type WebhookAttemptResult = 'delivered' | 'retry' | 'failed'
const webhookAttempts: Record<WebhookAttemptResult, number> = { delivered: 0, retry: 0, failed: 0 }

/** A webhook delivery attempt this process sent, by what became of the delivery. */
export function countWebhookAttempt (result: WebhookAttemptResult): void {
  webhookAttempts[result]++
}

talliedCounter(processRegistry, {
  name: 'tpx_webhook_attempts_total',
  help: 'Webhook delivery attempts sent by this process, by what became of the delivery: delivered (a 2xx), ' +
    'retry (another attempt is scheduled), failed (that was the last attempt)',
  labelNames: ['result']
}, () => Object.entries(webhookAttempts).map(([result, count]) => [{ result }, count]))

export type CreditMovement = 'hold' | 'charge' | 'release' | 'refund'
const credits: Record<CreditMovement, Decimal> = {
  hold: new Decimal(0), charge: new Decimal(0), release: new Decimal(0), refund: new Decimal(0)
}

/** Counts a ledger movement written in `tx` once that transaction has committed. */
export function countCommittedCredits (tx: object, kind: CreditMovement, amount: Decimal): void {
  afterCommit(tx, () => { credits[kind] = credits[kind].plus(amount) })
}

talliedCounter(processRegistry, {
  name: 'tpx_ledger_credits_total',
  help: 'Credits moved by committed ledger rows of this process, by kind (hold, charge, release, refund)',
  labelNames: ['kind']
}, () => Object.entries(credits).map(([kind, amount]) => [{ kind }, amount.toNumber()]))

let processMetricsStarted = false

/** Node's own metrics (memory, CPU, event-loop delay, GC), started by the first app that serves metrics. */
export function startProcessMetrics (): void {
  if (processMetricsStarted) return
  processMetricsStarted = true
  collectDefaultMetrics({ register: processRegistry })
}
