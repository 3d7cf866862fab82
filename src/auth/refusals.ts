// Requests without a valid key: counted per client address, so that past AUTH_FAILURES_PER_MINUTE an address is
// answered 429 instead of 401 (on every replica, when the counters are in Redis); and logged as one summary line
// per interval instead of one access-log line each, so that a flood fills neither the CPU nor the logs.
// A throttled address is known here until its window ends, and is told so before its key is looked up: it is
// refused with no database lookup and no round trip to the shared counter. A valid key from a throttled address
// still works (a neighbour behind the same NAT or proxy must not be locked out by a broken client): the verifier
// still checks every public id this replica knows to be a key's (src/auth/verifier.ts), and refuses unchecked only
// one it does not, since telling that from a made-up one would take the lookup the throttle exists to save.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { LimitVerdict } from '../http/rate-limit.ts'
import { ThrottledAddresses } from './throttled-addresses.ts'

const SUMMARY_EVERY_MS = 10_000
const MAX_ADDRESSES_TRACKED = 1000
const TOP_ADDRESSES = 5

declare module 'fastify' {
  interface FastifyInstance {
    /** Records a request refused for want of a valid key; a verdict when its address is over the limit. */
    refuseUnauthenticated (request: FastifyRequest): Promise<LimitVerdict | null>
    /** Whether the request's address has been answered 429 for refusals and its window has not ended yet. */
    throttledForFailedAuth (request: FastifyRequest): boolean
  }
}

export interface RefusalOptions { perMinute: number, summaryEveryMs?: number }

/** The busiest addresses of an interval, for the summary line. */
function topAddresses (counts: Map<string, number>, n = TOP_ADDRESSES): Array<{ address: string, refused: number }> {
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, n).map(([address, refused]) => ({ address, refused }))
}

async function refusals (app: FastifyInstance, { perMinute, summaryEveryMs = SUMMARY_EVERY_MS }: RefusalOptions) {
  const limiter = perMinute > 0 ? app.perMinuteLimiter('auth-failures', request => request.ip, () => perMinute) : null
  const throttled = new ThrottledAddresses()
  let counts = new Map<string, number>()
  let total = 0

  const summarise = () => {
    if (total === 0) return
    app.log.warn({ refused: total, addresses: topAddresses(counts) }, 'requests refused for want of a valid key')
    counts = new Map()
    total = 0
  }
  const timer = setInterval(summarise, summaryEveryMs)
  timer.unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    summarise()
  })

  app.decorate('throttledForFailedAuth', (request: FastifyRequest) => throttled.endOf(request.ip, Date.now()) !== null)

  app.decorate('refuseUnauthenticated', async (request: FastifyRequest) => {
    request.skipAccessLog = true
    total++
    const seen = counts.get(request.ip)
    if (seen !== undefined || counts.size < MAX_ADDRESSES_TRACKED) counts.set(request.ip, (seen ?? 0) + 1)
    const now = Date.now()
    // past the limit, counting on is moot: the shared window ends when it ends (fixed windows, no penalty)
    const end = throttled.endOf(request.ip, now)
    if (end !== null) return { limit: perMinute, remaining: 0, resetS: Math.ceil((end - now) / 1000), exceeded: true }
    const verdict = limiter ? await limiter(request) : null
    if (!verdict?.exceeded) return null
    // until the moment its Retry-After names, not a second earlier
    throttled.throttle(request.ip, now + verdict.resetS * 1000)
    return verdict
  })
}

export default fp(refusals, { name: 'auth-refusals', dependencies: ['request-rate-limits'] })
