// First start against an empty database: make sure somebody can administer the gateway, and in simulator mode
// give the newcomer a demo team and key to try it with. Runs under an advisory lock so that replicas starting
// together create one set of keys, not one each.
import type { Db } from '../db/client.ts'
import { generateKey, hashKey, parseKey } from '../auth/key-format.ts'

const BOOTSTRAP_LOCK = 7_210_001

export interface BootstrapResult {
  adminKey?: string // the new secret, shown once; absent when it came from GATEWAY_ADMIN_KEY or already existed
  demoKey?: string
  demoTeamSlug?: string
}

export interface BootstrapOptions { adminKey?: string | undefined, createDemoTeam: boolean }

const DEMO_BUDGET = '1000.0000'

export async function bootstrap (db: Db, options: BootstrapOptions): Promise<BootstrapResult> {
  return db.$transaction(async tx => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`
    const result: BootstrapResult = {}
    if (options.adminKey) {
      const parsed = parseKey(options.adminKey)
      if (!parsed) throw new Error('GATEWAY_ADMIN_KEY is not a gateway key')
      await tx.apiKey.upsert({
        where: { publicId: parsed.publicId },
        update: {},
        create: { name: 'bootstrap-admin', publicId: parsed.publicId, secretHash: hashKey(parsed.key), scopes: ['admin'] }
      })
    }
    if (await tx.apiKey.count() > 0 && !options.adminKey) return result
    if (!options.adminKey) {
      const admin = generateKey()
      await tx.apiKey.create({
        data: { name: 'bootstrap-admin', publicId: admin.publicId, secretHash: hashKey(admin.key), scopes: ['admin'] }
      })
      result.adminKey = admin.key
    }
    if (options.createDemoTeam && await tx.team.count() === 0) {
      const team = await tx.team.create({
        data: {
          slug: 'demo',
          name: 'Demo team',
          budgetCredits: DEMO_BUDGET,
          urlPolicy: { httpsOnly: false }
        }
      })
      const demo = generateKey()
      await tx.apiKey.create({
        data: {
          teamId: team.id,
          name: 'demo-jobs',
          publicId: demo.publicId,
          secretHash: hashKey(demo.key),
          scopes: ['jobs:read', 'jobs:write']
        }
      })
      result.demoKey = demo.key
      result.demoTeamSlug = team.slug
    }
    return result
  })
}
