// Request-rate limits per key and per team, on @fastify/rate-limit. Counters live in Redis when REDIS_URL is set,
// so that a limit of N means N across every replica; when Redis fails, each replica falls back to its own
// in-memory counters (with a warning) rather than refusing or waving through all traffic.
import { createRequire } from 'node:module'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit'
import { Redis } from 'ioredis'

const require = createRequire(import.meta.url)
type StoreCtor = new (...args: unknown[]) => FastifyRateLimitStore
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreCtor
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreCtor

const WINDOW_MS = 60_000
const WARN_EVERY_MS = 30_000

type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1]

class FallbackStore implements FastifyRateLimitStore {
  private lastWarning = 0

  constructor (private readonly shared: FastifyRateLimitStore, private readonly local: FastifyRateLimitStore,
    private readonly warn: (err: Error) => void) {}

  incr (key: string, callback: IncrCallback, timeWindow: number, max: number): void {
    this.shared.incr(key, (err, result) => {
      if (!err) return callback(null, result)
      if (Date.now() - this.lastWarning > WARN_EVERY_MS) {
        this.lastWarning = Date.now()
        this.warn(err)
      }
      this.local.incr(key, callback, timeWindow, max)
    }, timeWindow, max)
  }

  child (routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    return new FallbackStore(this.shared.child(routeOptions), this.local.child(routeOptions), this.warn)
  }
}

export interface RateLimitOptions { redisUrl?: string | undefined }

export interface LimitVerdict { limit: number, remaining: number, resetS: number, exceeded: boolean }

type Limiter = (request: FastifyRequest) => Promise<LimitVerdict | null>

declare module 'fastify' {
  interface FastifyInstance {
    /** A per-minute limiter; `keyOf` names the counter, `limitOf` its limit (null = unlimited). */
    perMinuteLimiter(
      name: string,
      keyOf: (r: FastifyRequest) => string,
      limitOf: (r: FastifyRequest) => number | null
    ): Limiter
  }
}

async function requestRateLimits (app: FastifyInstance, { redisUrl }: RateLimitOptions) {
  let store: StoreCtor | undefined
  if (redisUrl) {
    // fail fast instead of queueing commands while Redis is away: the fallback takes over at once
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false })
    redis.on('error', () => {}) // reported through the store's fallback warning instead of once per reconnect
    app.addHook('onClose', async () => { redis.disconnect() })
    const warn = (err: Error) => app.log.warn({ err }, 'rate limiting: Redis unavailable, counting per process until it is back')
    store = class {
      constructor (params: { continueExceeding: boolean, exponentialBackoff: boolean }) {
        return new FallbackStore(
          new RedisStore(params.continueExceeding, params.exponentialBackoff, redis, 'tpx-rl-'),
          new LocalStore(params.continueExceeding, params.exponentialBackoff),
          warn)
      }
    } as unknown as StoreCtor
  }
  await app.register(rateLimit, { global: false, ...(store ? { store } : {}) })

  app.decorate('perMinuteLimiter', (name: string, keyOf: (r: FastifyRequest) => string, limitOf: (r: FastifyRequest) => number | null) => {
    const check = app.createRateLimit({
      timeWindow: WINDOW_MS,
      keyGenerator: request => `${name}:${keyOf(request)}`,
      max: request => limitOf(request) ?? Number.MAX_SAFE_INTEGER
    })
    return async (request: FastifyRequest) => {
      const limit = limitOf(request)
      if (limit === null) return null
      const result = await check(request)
      if (result.isAllowed) return null
      return { limit, remaining: result.remaining, resetS: result.ttlInSeconds, exceeded: result.isExceeded }
    }
  })
}

export default fp(requestRateLimits, { name: 'request-rate-limits' })
