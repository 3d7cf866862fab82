// Keys: create, list, get, revoke, rotate. The secret exists only in the return value of create and rotate; the
// database gets its SHA-256, the audit log and every view get the display prefix.
import type { Db, Prisma } from '../../db/client.ts'
import { displayPrefix, generateKey, hashKey } from '../../auth/key-format.ts'
import { notifyKeyChange } from '../../auth/notify.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { Actor } from '../actor.ts'
import { writeAudit } from '../audit/service.ts'
import { isUniqueViolation } from '../../db/errors.ts'
import { keyCreateProblems, keyView } from './view.ts'
import { DEFAULT_GRACE_SECONDS, type KeyCreate, type KeyView, type KeyWithSecret } from './schemas.ts'
import { invalid } from '../../errors/problems.ts'

type Tx = Prisma.TransactionClient

// serialises platform-key creation: their names must be unique, and NULL team ids escape the unique index
const PLATFORM_KEY_LOCK = 7_210_101
const WITH_TEAM = { team: { select: { slug: true } } } as const

export class KeyService {
  constructor (private readonly db: Db, private readonly clock: () => Date = () => new Date()) {}

  async get (id: string): Promise<KeyView> {
    const row = await this.db.apiKey.findUnique({ where: { id }, include: WITH_TEAM })
    if (!row) throw new GatewayError('not_found', `Key ${id}`)
    return keyView(row, this.clock())
  }

  async listForTeam (slug: string): Promise<KeyView[]> {
    const team = await this.db.team.findUnique({ where: { slug }, select: { id: true } })
    if (!team) throw new GatewayError('not_found', `Team ${slug}`)
    return this.list({ teamId: team.id })
  }

  async listPlatform (): Promise<KeyView[]> {
    return this.list({ teamId: null })
  }

  /** A key for a team (slug) or, with slug null, a platform key. */
  async create (actor: Actor, slug: string | null, input: KeyCreate): Promise<KeyWithSecret> {
    const now = this.clock()
    const problems = keyCreateProblems(input, slug === null, now)
    if (problems.length > 0) throw invalid(problems)
    const generated = generateKey()
    try {
      const view = await this.db.$transaction(async tx => {
        const teamId = slug === null ? null : await this.teamId(tx, slug)
        if (teamId === null) await this.claimPlatformName(tx, input.name)
        const row = await tx.apiKey.create({
          data: {
            teamId,
            name: input.name,
            publicId: generated.publicId,
            secretHash: hashKey(generated.key),
            scopes: input.scopes,
            expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
            requestsPerMinute: input.limits?.requestsPerMinute ?? null,
            maxConcurrentJobs: input.limits?.maxConcurrentJobs ?? null,
            maxJobsPerDay: input.limits?.maxJobsPerDay ?? null
          },
          include: WITH_TEAM
        })
        const created = keyView(row, now)
        await writeAudit(tx, actor, { action: 'key.create', targetType: 'key', targetId: row.id, before: null, after: created })
        // replicas may remember this public id as unknown (probed before it existed)
        await notifyKeyChange(tx, { publicId: row.publicId })
        return created
      })
      return { ...view, key: generated.key }
    } catch (err) {
      if (isUniqueViolation(err)) throw new GatewayError('conflict', `A key named ${input.name} already exists${slug ? ` in team ${slug}` : ''}`)
      throw err
    }
  }

  /** Revoking twice is a 409: revokedAt keeps the time of the first revocation. */
  async revoke (actor: Actor, id: string): Promise<KeyView> {
    const now = this.clock()
    return this.db.$transaction(async tx => {
      const current = await this.lockKey(tx, id)
      if (current.revokedAt) throw new GatewayError('conflict', `Key ${id} is already revoked`)
      const row = await tx.apiKey.update({ where: { id }, data: { revokedAt: now }, include: WITH_TEAM })
      return this.finish(tx, { actor, action: 'key.revoke', before: keyView(current, now), row, now })
    })
  }

  /**
   * A new secret for the same key (same id and public id, so its prefix, scopes and history stay). The previous
   * secret keeps working for graceSeconds; a second rotation within the grace ends the first secret at once.
   */
  async rotate (actor: Actor, id: string, graceSeconds = DEFAULT_GRACE_SECONDS): Promise<KeyWithSecret> {
    const now = this.clock()
    const generated = generateKey()
    const view = await this.db.$transaction(async tx => {
      const current = await this.lockKey(tx, id)
      if (current.revokedAt) throw new GatewayError('conflict', `Key ${id} is revoked; create a new key instead`)
      if (current.expiresAt && current.expiresAt <= now) throw new GatewayError('conflict', `Key ${id} has expired; create a new key instead`)
      // the key string embeds the public id, so the new secret is paired with this key's own public id
      const key = `${displayPrefix(current.publicId)}_${generated.key.slice(generated.prefix.length + 1)}`
      const row = await tx.apiKey.update({
        where: { id },
        data: {
          secretHash: hashKey(key),
          previousSecretHash: graceSeconds > 0 ? current.secretHash : null,
          previousExpiresAt: graceSeconds > 0 ? new Date(now.getTime() + graceSeconds * 1000) : null
        },
        include: WITH_TEAM
      })
      const after = await this.finish(tx, { actor, action: 'key.rotate', before: keyView(current, now), row, now })
      return { ...after, key }
    })
    return view
  }

  private async list (where: { teamId: string | null }): Promise<KeyView[]> {
    const now = this.clock()
    const rows = await this.db.apiKey.findMany({ where, include: WITH_TEAM, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
    return rows.map(row => keyView(row, now))
  }

  private async finish (
    tx: Tx,
    step: { actor: Actor, action: string, before: KeyView, row: Parameters<typeof keyView>[0], now: Date }
  ) {
    const after = keyView(step.row, step.now)
    await writeAudit(tx, step.actor, { action: step.action, targetType: 'key', targetId: step.row.id, before: step.before, after })
    await notifyKeyChange(tx, { publicId: step.row.publicId })
    return after
  }

  private async lockKey (tx: Tx, id: string) {
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id::text FROM api_keys WHERE id = ${id}::uuid FOR UPDATE`
    if (locked.length === 0) throw new GatewayError('not_found', `Key ${id}`)
    return tx.apiKey.findUniqueOrThrow({ where: { id }, include: WITH_TEAM })
  }

  private async teamId (tx: Tx, slug: string): Promise<string> {
    const team = await tx.team.findUnique({ where: { slug }, select: { id: true } })
    if (!team) throw new GatewayError('not_found', `Team ${slug}`)
    return team.id
  }

  private async claimPlatformName (tx: Tx, name: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${PLATFORM_KEY_LOCK})`
    const taken = await tx.apiKey.findFirst({ where: { teamId: null, name }, select: { id: true } })
    if (taken) throw new GatewayError('conflict', `A platform key named ${name} already exists`)
  }
}
