import type { Scope } from './scopes.ts'

/** Who a verified key speaks for. Cached in memory: holds no secret, only what authorisation needs. */
export interface Principal {
  keyId: string
  keyName: string
  publicId: string
  prefix: string
  scopes: readonly Scope[]
  teamId: string | null
  teamSlug: string | null
  // checked on every use, so a cached principal still expires on time
  validUntil: number | null
  // requests per minute: the key's own limit (or the team's per-key default), and the team's; null = unlimited
  limits: { keyPerMinute: number | null, teamPerMinute: number | null }
}
