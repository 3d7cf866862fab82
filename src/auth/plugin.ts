// Decorates the app with the key verifier and each request with its principal. Which scopes a route needs, and
// how a refusal looks (TensorPix shape or gateway envelope), is decided by the scope that registers the hook.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Db } from '../db/client.ts'
import { KEY_CHANNEL, KeyCache, MAX_KEYS } from './key-cache.ts'
import { LookupBudget } from './lookup-budget.ts'
import type { Principal } from './principal.ts'
import { keyFromHeader, KeyVerifier, type KeyRow } from './verifier.ts'

declare module 'fastify' {
  interface FastifyInstance { keys: KeyVerifier, keyCache: KeyCache<KeyRow> }
  interface FastifyRequest { principal: Principal | null }
}

export interface AuthOptions {
  db: Db
  // AUTH_UNKNOWN_LOOKUPS_PER_SECOND: database lookups a second for public ids no key is known to have (0 = no cap)
  unknownLookupsPerSecond: number
  clock?: () => number
}

/** Verifies the request's key; records who it is for the access log. */
export async function authenticate (app: FastifyInstance, request: FastifyRequest): Promise<Principal | null> {
  const key = keyFromHeader(request.headers.authorization)
  const principal = await app.keys.verify(key, { throttled: app.throttledForFailedAuth(request) })
  request.principal = principal
  if (principal) request.caller = { team: principal.teamSlug ?? undefined, keyPrefix: principal.prefix }
  return principal
}

// Which public ids are keys', read whenever the change feed (re)connects: a replica that starts, or comes back, in
// the middle of a flood of made-up keys still tells its clients' keys from the flood, so their lookups are neither
// capped nor refused to a throttled address (src/auth/verifier.ts). Keys created since arrive by their notice.
function learnKeysOnConnect (app: FastifyInstance, db: Db, cache: KeyCache<KeyRow>) {
  app.changes.subscribe([KEY_CHANNEL], {
    changed () {},
    reset () {
      if (!app.changes.live) return
      db.apiKey.findMany({ select: { publicId: true }, orderBy: { createdAt: 'desc' }, take: MAX_KEYS })
        .then(rows => cache.learnKeys(rows.map(row => row.publicId).reverse()))
        .catch((err: unknown) => app.log.warn({ err }, 'auth: could not read the keys\' public ids; learning them from lookups'))
    }
  })
}

async function auth (app: FastifyInstance, { db, unknownLookupsPerSecond, clock = Date.now }: AuthOptions) {
  const cache = new KeyCache<KeyRow>({ feed: app.changes })
  app.decorate('keyCache', cache)
  learnKeysOnConnect(app, db, cache)
  app.decorate('keys', new KeyVerifier(db, cache, new LookupBudget(unknownLookupsPerSecond, clock()), clock))
  app.decorateRequest('principal', null)
}

export default fp(auth, { name: 'auth', dependencies: ['change-feed'] })
