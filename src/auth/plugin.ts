// Decorates the app with the key verifier and each request with its principal. Which scopes a route needs, and
// how a refusal looks (TensorPix shape or gateway envelope), is decided by the scope that registers the hook.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Db } from '../db/client.ts'
import { KeyCache } from './key-cache.ts'
import type { Principal } from './principal.ts'
import { keyFromHeader, KeyVerifier, type KeyRow } from './verifier.ts'

declare module 'fastify' {
  interface FastifyInstance { keys: KeyVerifier, keyCache: KeyCache<KeyRow> }
  interface FastifyRequest { principal: Principal | null }
}

export interface AuthOptions { db: Db, clock?: () => number }

/** Verifies the request's key; records who it is for the access log. */
export async function authenticate (app: FastifyInstance, request: FastifyRequest): Promise<Principal | null> {
  const principal = await app.keys.verify(keyFromHeader(request.headers.authorization))
  request.principal = principal
  if (principal) request.caller = { team: principal.teamSlug ?? undefined, keyPrefix: principal.prefix }
  return principal
}

async function auth (app: FastifyInstance, { db, clock }: AuthOptions) {
  const cache = new KeyCache<KeyRow>({ feed: app.changes })
  app.decorate('keyCache', cache)
  app.decorate('keys', new KeyVerifier(db, cache, clock))
  app.decorateRequest('principal', null)
}

export default fp(auth, { name: 'auth', dependencies: ['change-feed'] })
