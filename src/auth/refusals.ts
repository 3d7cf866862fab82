// Requests without a valid key: counted per client address, so that past AUTH_FAILURES_PER_MINUTE an address is
// answered 429 instead of 401 (on every replica, when the counters are in Redis); and logged as one summary line
// per interval instead of one access-log line each, so that a flood fills neither the CPU nor the logs.
// A valid key from a throttled address still works: only refusals are counted and only refusals are throttled.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { LimitVerdict } from '../http/rate-limit.ts'

const SUMMARY_EVERY_MS = 10_000
const MAX_ADDRESSES_TRACKED = 1000
const TOP_ADDRESSES = 5

declare module 'fastify' {
  interface FastifyInstance {
    /** Records a request refused for want of a valid key; a verdict when its address is over the limit. */
    refuseUnauthenticated (request: FastifyRequest): Promise<LimitVerdict | null>
  }
}

export interface RefusalOptions { perMinute: number, summaryEveryMs?: number }

/** The busiest addresses of an interval, for the summary line. */
function topAddresses (counts: Map<string, number>, n = TOP_ADDRESSES): Array<{ address: string, refused: number }> {
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, n).map(([address, refused]) => ({ address, refused }))
}

async function refusals (app: FastifyInstance, { perMinute, summaryEveryMs = SUMMARY_EVERY_MS }: RefusalOptions) {
  const limiter = perMinute > 0 ? app.perMinuteLimiter('auth-failures', request => request.ip, () => perMinute) : null
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

  app.decorate('refuseUnauthenticated', async (request: FastifyRequest) => {
    request.skipAccessLog = true
    total++
    const seen = counts.get(request.ip)
    if (seen !== undefined || counts.size < MAX_ADDRESSES_TRACKED) counts.set(request.ip, (seen ?? 0) + 1)
    const verdict = limiter ? await limiter(request) : null
    return verdict?.exceeded ? verdict : null
  })
}

export default fp(refusals, { name: 'auth-refusals', dependencies: ['request-rate-limits'] })
