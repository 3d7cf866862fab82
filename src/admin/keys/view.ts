// Pure rules and views for keys. A key's secret and hashes never leave this module's input: views are built
// field by field.
import type { ApiKey } from '../../generated/prisma/client.ts'
import { displayPrefix } from '../../auth/key-format.ts'
import { DATA_PLANE_SCOPES } from '../../auth/scopes.ts'
import type { FieldProblem } from '../../errors/problems.ts'
import type { KeyCreate, KeyView } from './schemas.ts'

export const PLATFORM_SCOPES: readonly string[] = ['admin', 'finance']

type KeyRow = ApiKey & { team: { slug: string } | null }

export function keyStatus (row: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, now: Date): KeyView['status'] {
  if (row.revokedAt) return 'revoked'
  if (row.expiresAt && row.expiresAt <= now) return 'expired'
  return 'active'
}

const iso = (date: Date | null) => date?.toISOString() ?? null

export function keyView (row: KeyRow, now: Date): KeyView {
  return {
    id: row.id,
    prefix: displayPrefix(row.publicId),
    name: row.name,
    teamId: row.teamId,
    teamSlug: row.team?.slug ?? null,
    scopes: row.scopes,
    status: keyStatus(row, now),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    lastUsedAt: iso(row.lastUsedAt),
    previousSecretExpiresAt: row.previousSecretHash ? iso(row.previousExpiresAt) : null,
    limits: {
      requestsPerMinute: row.requestsPerMinute,
      maxConcurrentJobs: row.maxConcurrentJobs,
      maxJobsPerDay: row.maxJobsPerDay
    },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString()
  }
}

/**
 * Team keys call the data plane; platform keys (no team) administer the gateway. Keeping the two apart means a
 * team key can never be an admin key, and an admin key never spends a team's budget.
 */
export function keyCreateProblems (input: KeyCreate, platform: boolean, now: Date): FieldProblem[] {
  const allowed = platform ? PLATFORM_SCOPES : DATA_PLANE_SCOPES
  const problems: FieldProblem[] = input.scopes.flatMap((scope, index) => allowed.includes(scope)
    ? []
    : [{
        field: `body.scopes.${index}`,
        message: platform
          ? `${scope} is a team scope; create team keys with POST /admin/v1/teams/{slug}/keys`
          : `${scope} is a platform scope; create platform keys with POST /admin/v1/keys`
      }])
  if (input.expiresAt && new Date(input.expiresAt) <= now) {
    problems.push({ field: 'body.expiresAt', message: 'must be in the future' })
  }
  return problems
}
