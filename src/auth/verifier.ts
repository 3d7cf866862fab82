// Turns an Authorization header into a Principal. Hot path: one SHA-256 and a map lookup; the database is read on
// a cache miss only, and for a public id no key is known to have, only within the unknown-lookup budget and never
// for a throttled client. Every refusal is the same `null`, so callers cannot tell unknown, revoked, expired and
// unchecked apart, and costs the same work whether the key's public id exists or not (see matchingSecret).
import type { Db } from '../db/client.ts'
import { displayPrefix, hashKey, parseKey, sameHash } from './key-format.ts'
import type { KeyCache } from './key-cache.ts'
import type { LookupBudget } from './lookup-budget.ts'
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

export type KeyRow = NonNullable<Awaited<ReturnType<typeof findKey>>>

function findKey (db: Db, publicId: string) {
  return db.apiKey.findUnique({
    where: { publicId },
    include: { team: { select: { slug: true, disabled: true, requestsPerMinute: true, keyRequestsPerMinute: true } } }
  })
}

// Both comparisons always run, against a stand-in where there is no row or no previous secret: an unknown public
// id, a wrong secret and a key without a rotation in progress all cost two constant-time comparisons.
function matchingSecret (row: KeyRow | null, keyHash: string, now: number): { validUntil: number | null } | null {
  const current = sameHash(row?.secretHash ?? DUMMY_HASH, keyHash)
  const previous = sameHash(row?.previousSecretHash ?? DUMMY_HASH, keyHash)
  if (!row) return null
  if (current) return { validUntil: row.expiresAt?.getTime() ?? null }
  const graceEnd = row.previousExpiresAt?.getTime()
  if (previous && row.previousSecretHash && graceEnd && graceEnd > now) {
    return { validUntil: Math.min(graceEnd, row.expiresAt?.getTime() ?? Infinity) }
  }
  return null
}

function toPrincipal (row: KeyRow | null, keyHash: string, now: number): Principal | null {
  const match = matchingSecret(row, keyHash, now)
  if (!row || !match || row.revokedAt || row.team?.disabled) return null
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

/**
 * Where verifications of a well-formed key were answered, for the metrics: from the cache (hit), the database
 * (miss), or refused without a lookup for a public id no key is known to have, because the unknown-lookup budget
 * was spent (capped) or the client is throttled for failed authentication (throttled).
 */
export interface KeyLookups { hit: number, miss: number, capped: number, throttled: number }

export interface VerifyOptions {
  // the client is over its failed-authentication limit (src/auth/refusals.ts): it may use keys, not probe for them
  throttled?: boolean
}

export class KeyVerifier {
  private readonly lastUsedWritten = new Map<string, number>()
  readonly lookups: KeyLookups = { hit: 0, miss: 0, capped: 0, throttled: 0 }

  constructor (
    private readonly db: Db,
    private readonly cache: KeyCache<KeyRow>,
    private readonly unknownLookups: LookupBudget,
    private readonly clock: () => number = Date.now
  ) {}

  async verify (key: string | null, { throttled = false }: VerifyOptions = {}): Promise<Principal | null> {
    const parsed = key ? parseKey(key) : null
    if (!parsed) return null
    const now = this.clock()
    const keyHash = hashKey(parsed.key)
    const cached = this.cache.get(parsed.publicId, now)
    if (cached) this.lookups.hit++
    const row = cached ? cached.row : await this.load(parsed.publicId, now, throttled)
    const principal = toPrincipal(row, keyHash, now)
    if (!principal || (principal.validUntil !== null && principal.validUntil <= now)) return null
    this.touch(principal.keyId, now)
    return principal
  }

  // A public id known to be a key's is always looked up (its cached row expired or was dropped, or the feed is
  // down). One nobody has seen is what a flood of made-up keys is made of: refused unchecked for a throttled client,
  // and capped for everyone.
  private async load (publicId: string, now: number, throttled: boolean): Promise<KeyRow | null> {
    if (!this.cache.isKey(publicId)) {
      if (throttled) {
        this.lookups.throttled++
        return null
      }
      if (!this.unknownLookups.take(now)) {
        this.lookups.capped++
        return null
      }
    }
    this.lookups.miss++
    const generation = this.cache.generation
    const row = await findKey(this.db, publicId)
    this.cache.set(publicId, row, now, generation)
    return row
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
