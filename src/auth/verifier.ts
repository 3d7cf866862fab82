// Turns an Authorization header into a Principal. Hot path: one SHA-256 and a map lookup; the database is read on
// a cache miss only. Every refusal is the same `null`, so callers cannot tell unknown, revoked and expired apart.
import type { Db } from '../db/client.ts'
import { displayPrefix, hashKey, parseKey, sameHash } from './key-format.ts'
import type { KeyCache } from './key-cache.ts'
import type { Principal } from './principal.ts'
import { SCOPES, type Scope } from './scopes.ts'

const LAST_USED_EVERY_MS = 60_000
// compared against when no row matches, so that path costs the same hash comparison as a wrong secret
const DUMMY_HASH = hashKey('tgw_aaaaaaaaaaaa_' + 'x'.repeat(43))

export function keyFromHeader (header: string | undefined): string | null {
  if (!header) return null
  const match = /^(?:Token|Bearer) +(\S+)\s*$/i.exec(header)
  return match ? match[1] as string : null
}

type KeyRow = NonNullable<Awaited<ReturnType<typeof findKey>>>

function findKey (db: Db, publicId: string) {
  return db.apiKey.findUnique({ where: { publicId }, include: { team: { select: { slug: true, disabled: true, requestsPerMinute: true, keyRequestsPerMinute: true } } } })
}

function matchingSecret (row: KeyRow, keyHash: string, now: number): { validUntil: number | null } | null {
  if (sameHash(row.secretHash, keyHash)) return { validUntil: row.expiresAt?.getTime() ?? null }
  const graceEnd = row.previousExpiresAt?.getTime()
  if (row.previousSecretHash && graceEnd && graceEnd > now && sameHash(row.previousSecretHash, keyHash)) {
    return { validUntil: Math.min(graceEnd, row.expiresAt?.getTime() ?? Infinity) }
  }
  return null
}

function toPrincipal (row: KeyRow, keyHash: string, now: number): Principal | null {
  const match = matchingSecret(row, keyHash, now)
  if (!match || row.revokedAt || row.team?.disabled) return null
  return {
    keyId: row.id,
    keyName: row.name,
    publicId: row.publicId,
    prefix: displayPrefix(row.publicId),
    scopes: row.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    teamId: row.teamId,
    teamSlug: row.team?.slug ?? null,
    validUntil: match.validUntil,
    limits: {
      keyPerMinute: row.requestsPerMinute ?? row.team?.keyRequestsPerMinute ?? null,
      teamPerMinute: row.team?.requestsPerMinute ?? null
    }
  }
}

export class KeyVerifier {
  private readonly lastUsedWritten = new Map<string, number>()

  constructor (private readonly db: Db, private readonly cache: KeyCache, private readonly clock: () => number = Date.now) {}

  async verify (key: string | null): Promise<Principal | null> {
    const parsed = key ? parseKey(key) : null
    if (!parsed) return null
    const now = this.clock()
    const keyHash = hashKey(parsed.key)
    const cached = this.cache.get(keyHash, now)
    const principal = cached ? cached.principal : await this.load(parsed.publicId, keyHash, now)
    if (!principal || (principal.validUntil !== null && principal.validUntil <= now)) return null
    this.touch(principal.keyId, now)
    return principal
  }

  private async load (publicId: string, keyHash: string, now: number): Promise<Principal | null> {
    const generation = this.cache.generation
    const row = await findKey(this.db, publicId)
    const principal = row ? toPrincipal(row, keyHash, now) : (sameHash(DUMMY_HASH, keyHash), null)
    this.cache.set(keyHash, principal, now, generation)
    return principal
  }

  // last_used_at at most once a minute per key, across replicas too (the WHERE clause), never on the request path
  private touch (keyId: string, now: number) {
    if (now - (this.lastUsedWritten.get(keyId) ?? 0) < LAST_USED_EVERY_MS) return
    this.lastUsedWritten.set(keyId, now)
    this.db.$executeRaw`UPDATE api_keys SET last_used_at = now()
      WHERE id = ${keyId}::uuid AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`
      .catch(() => this.lastUsedWritten.delete(keyId))
  }
}
