// Rows the tests need, written straight to the database (not through the admin API, which has tests of its own).
// Every key's secret goes to the run's secret scan.
import type { Db } from '../../src/db/client.ts'
import { generateKey, hashKey } from '../../src/auth/key-format.ts'
import type { Scope } from '../../src/auth/scopes.ts'
import { recordSecret } from './secret-scan.ts'

let sequence = 0

export async function makeTeam (db: Db, data: Partial<Parameters<Db['team']['create']>[0]['data']> = {}) {
  sequence++
  return db.team.create({ data: { slug: `team-${sequence}`, name: `Team ${sequence}`, budgetCredits: '100', ...data } })
}

export async function makeKey (
  db: Db,
  options: { teamId?: string | null, scopes: Scope[], name?: string, expiresAt?: Date }
) {
  const generated = generateKey()
  recordSecret(generated.key)
  sequence++
  const row = await db.apiKey.create({
    data: {
      teamId: options.teamId ?? null,
      name: options.name ?? `key-${sequence}`,
      publicId: generated.publicId,
      secretHash: hashKey(generated.key),
      scopes: options.scopes,
      expiresAt: options.expiresAt ?? null
    }
  })
  return { ...row, key: generated.key }
}

/** What a team's worker key holds: read and create jobs. */
export const JOB_SCOPES: Scope[] = ['jobs:read', 'jobs:write']

/** A team and one key of it (job scopes unless told otherwise). */
export async function makeTeamWithKey (db: Db, data: Parameters<typeof makeTeam>[1] = {}, scopes = JOB_SCOPES) {
  const team = await makeTeam(db, data)
  return { team, key: await makeKey(db, { teamId: team.id, scopes }) }
}
