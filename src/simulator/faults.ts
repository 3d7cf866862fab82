// Fault rules and the seeded decision of which ones hit a request. Pure: the HTTP side (fault-injection.ts) only
// carries out the plan. Every matching rule draws from the seeded stream whether or not it fires, so a run is a
// function of the seed and the request sequence alone.
import { Type, type Static } from 'typebox'
import { seededRandom, type Random } from './prng.ts'

const Delay = Type.Union([
  Type.Number({ minimum: 0, description: 'fixed delay in ms' }),
  Type.Object({ min: Type.Number({ minimum: 0 }), max: Type.Number({ minimum: 0 }) }, { additionalProperties: false, description: 'uniform in [min, max] ms' }),
  Type.Object({ mean: Type.Number({ minimum: 0 }) }, { additionalProperties: false, description: 'exponential with this mean, capped at 10× the mean' })
])

export const FAULT_KINDS = [
  'error', 'rate_limit', 'latency', 'hang', 'reset', 'lost_response', 'commit_then_error', 'malformed_success', 'redirect'
] as const
// what a malformed success carries instead of the route's body
export const MALFORMED_BODIES = ['no_id', 'html', 'truncated'] as const

export const FaultRuleSchema = Type.Object({
  kind: Type.Enum([...FAULT_KINDS]),
  route: Type.Optional(Type.String({ minLength: 1, description: "'METHOD /path/' with :params or concrete ids, '* /path/', or '*'" })),
  token: Type.Optional(Type.String({ description: 'only requests made with this token' })),
  probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  skip: Type.Optional(Type.Integer({ minimum: 0, description: 'let this many matching requests through first' })),
  times: Type.Optional(Type.Integer({ minimum: 1, description: 'fire at most this many times' })),
  status: Type.Optional(Type.Integer({
    minimum: 300,
    maximum: 599,
    description: 'error: status to answer, 400..599 (default 503); commit_then_error: the same (default 500); ' +
      'redirect: 300..399 (default 302)'
  })),
  location: Type.Optional(Type.String({ minLength: 1, description: 'redirect: the Location header (default: the same path on http://redirect.invalid)' })),
  detail: Type.Optional(Type.String()),
  html: Type.Optional(Type.Boolean({ description: 'commit_then_error: answer a proxy\'s HTML page instead of {detail}' })),
  body: Type.Optional(Type.Enum([...MALFORMED_BODIES], { description: 'malformed_success: what replaces the body' })),
  retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0, description: 'rate_limit: Retry-After (default 1)' })),
  delayMs: Type.Optional(Delay)
}, { additionalProperties: false })
export type FaultRule = Static<typeof FaultRuleSchema>
export type FaultKind = FaultRule['kind']

export type TerminalFault =
  | { kind: 'error', status: number, detail: string }
  | { kind: 'rate_limit', retryAfterSeconds: number, detail: string }
  | { kind: 'hang', closeAfterMs: number | null }
  | { kind: 'reset' }
  | { kind: 'lost_response' }
  | { kind: 'commit_then_error', status: number, detail: string, html: boolean }
  | { kind: 'malformed_success', body: typeof MALFORMED_BODIES[number] }
  | { kind: 'redirect', status: number, location: string | null }

export interface FaultPlan {
  delayMs: number
  terminal: TerminalFault | null
}

export interface FaultRequest {
  method: string
  /** Route pattern as registered, e.g. /api/jobs/:id/ */
  routeUrl: string
  /** Concrete path without the query string. */
  path: string
  token: string | null
}

export interface FaultLogEntry {
  request: number
  method: string
  path: string
  kind: FaultKind
}

const LOG_LIMIT = 1000
const STATUS_DETAILS: Record<number, string> = {
  // DRF's NotFound default, the simulator's own 404 text; DRF ≥ 3.15 passes get_object_or_404's "No Job matches the
  // given query." through instead: set `detail` for that one
  404: 'Not found.',
  500: 'A server error occurred.',
  502: 'Bad Gateway',
  503: 'Service temporarily unavailable, try again later.',
  504: 'Gateway Timeout',
  524: 'A Timeout Occurred'
}

function routeMatches (pattern: string | undefined, request: FaultRequest): boolean {
  if (pattern === undefined || pattern === '*') return true
  const [method = '', path = ''] = pattern.trim().split(/\s+/, 2)
  if (method !== '*' && method.toUpperCase() !== request.method) return false
  return path === request.routeUrl || path === request.path
}

function drawDelay (delay: FaultRule['delayMs'], random: Random): number {
  if (delay === undefined) return 0
  if (typeof delay === 'number') return delay
  if ('mean' in delay) return Math.min(-Math.log(1 - random.next()) * delay.mean, delay.mean * 10)
  return delay.min + random.next() * Math.max(0, delay.max - delay.min)
}

function terminalFor (rule: FaultRule, random: Random): TerminalFault | null {
  switch (rule.kind) {
    case 'error': {
      const status = rule.status ?? 503
      return { kind: 'error', status, detail: rule.detail ?? STATUS_DETAILS[status] ?? 'Simulated failure.' }
    }
    case 'rate_limit': {
      const retryAfterSeconds = rule.retryAfterSeconds ?? 1
      return { kind: 'rate_limit', retryAfterSeconds, detail: rule.detail ?? `Request was throttled. Expected available in ${retryAfterSeconds} seconds.` }
    }
    case 'hang': return { kind: 'hang', closeAfterMs: rule.delayMs === undefined ? null : drawDelay(rule.delayMs, random) }
    case 'reset': return { kind: 'reset' }
    case 'lost_response': return { kind: 'lost_response' }
    case 'commit_then_error': {
      const status = rule.status ?? 500
      const detail = rule.detail ?? STATUS_DETAILS[status] ?? 'Simulated failure.'
      return { kind: 'commit_then_error', status, detail, html: rule.html ?? false }
    }
    case 'malformed_success': return { kind: 'malformed_success', body: rule.body ?? 'no_id' }
    case 'redirect': return { kind: 'redirect', status: rule.status ?? 302, location: rule.location ?? null }
    case 'latency': return null
  }
}

interface ActiveRule { rule: FaultRule, matched: number, fired: number }

export function createFaultEngine (seed: number, initial: FaultRule[] = []) {
  let random = seededRandom(seed, 'faults')
  let rules: ActiveRule[] = []
  let requests = 0
  let log: FaultLogEntry[] = []

  const engine = {
    set (next: FaultRule[]) { rules = next.map(rule => ({ rule, matched: 0, fired: 0 })) },
    add (rule: FaultRule) { rules.push({ rule, matched: 0, fired: 0 }) },
    reset (nextSeed: number) {
      random = seededRandom(nextSeed, 'faults')
      rules = []
      requests = 0
      log = []
    },
    /** The rules as the control API shows them: a rule's token is an account's credential, so it is not shown. */
    describe () {
      const shown = (rule: FaultRule) => rule.token === undefined ? rule : { ...rule, token: '[redacted]' }
      const described = rules.map(({ rule, matched, fired }) => ({ ...shown(rule), matched, fired }))
      return { rules: described, requests, log: [...log] }
    },
    /** Decides what happens to one request; latency rules add up, the first firing terminal rule wins. */
    plan (request: FaultRequest): FaultPlan {
      const seq = ++requests
      const plan: FaultPlan = { delayMs: 0, terminal: null }
      for (const active of rules) {
        const { rule } = active
        if (!routeMatches(rule.route, request)) continue
        if (rule.token !== undefined && rule.token !== request.token) continue
        active.matched++
        const roll = random.next()
        if (active.matched <= (rule.skip ?? 0)) continue
        if (rule.times !== undefined && active.fired >= rule.times) continue
        if (roll >= (rule.probability ?? 1)) continue
        if (rule.kind !== 'latency' && plan.terminal) continue
        active.fired++
        if (rule.kind === 'latency') plan.delayMs += drawDelay(rule.delayMs, random)
        else plan.terminal = terminalFor(rule, random)
        log.push({ request: seq, method: request.method, path: request.path, kind: rule.kind })
        if (log.length > LOG_LIMIT) log = log.slice(-LOG_LIMIT)
      }
      return plan
    }
  }
  engine.set(initial)
  return engine
}

export type FaultEngine = ReturnType<typeof createFaultEngine>
