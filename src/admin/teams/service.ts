// Teams: reads and audited writes. Each write runs in one transaction with its audit row and the key-cache
// notification, so replicas, the audit log and the data never disagree.
import type { Db, Prisma } from '../../db/client.ts'
import { notifyKeyChange } from '../../auth/notify.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { Actor } from '../actor.ts'
import { writeAudit } from '../audit/service.ts'
import { isUniqueViolation } from '../../db/errors.ts'
import { pageStart, toPage } from '../pagination.ts'
import type { Page, PageRequest } from '../page.ts'
import { invalid } from '../../errors/problems.ts'
import { needsModelCatalog, teamProblems } from './rules.ts'
import type { TeamCreate, TeamDoc, TeamPatch, TeamView } from './schemas.ts'
import { applyPatch, docFromCreate, teamColumns, teamView } from './view.ts'

type Tx = Prisma.TransactionClient

/** Where TensorPix's model ids come from (app.modelCatalog). */
export interface ModelSource { models(): Promise<ReadonlyMap<number, unknown>> }

export interface TeamFilter extends PageRequest { name?: string | undefined, disabled?: boolean | undefined }

/** The team row, locked until the transaction ends so concurrent writes see each other's result. */
export async function lockTeam (tx: Tx, slug: string) {
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id::text FROM teams WHERE slug = ${slug} FOR UPDATE`
  const id = locked[0]?.id
  if (!id) throw new GatewayError('not_found', `Team ${slug}`)
  return tx.team.findUniqueOrThrow({ where: { id } })
}

export class TeamService {
  constructor (private readonly db: Db, private readonly catalog: ModelSource) {}

  async get (slug: string): Promise<TeamView> {
    const row = await this.db.team.findUnique({ where: { slug } })
    if (!row) throw new GatewayError('not_found', `Team ${slug}`)
    return teamView(row)
  }

  async list (filter: TeamFilter): Promise<Page<TeamView>> {
    const start = pageStart(filter)
    const rows = await this.db.team.findMany({
      where: {
        name: filter.name ? { contains: filter.name, mode: 'insensitive' } : undefined,
        disabled: filter.disabled,
        slug: start.after === null ? undefined : { gt: start.after }
      },
      orderBy: { slug: 'asc' },
      skip: start.skip,
      take: filter.limit + 1
    })
    return toPage(rows, filter.limit, row => row.slug, teamView)
  }

  async create (actor: Actor, input: TeamCreate): Promise<TeamView> {
    const doc = docFromCreate(input)
    await this.check(doc, 'body')
    try {
      return await this.db.$transaction(async tx => {
        const row = await tx.team.create({ data: { slug: input.slug, ...teamColumns(doc) } })
        const view = teamView(row)
        await writeAudit(tx, actor, { action: 'team.create', targetType: 'team', targetId: row.id, before: null, after: view })
        return view
      })
    } catch (err) {
      if (isUniqueViolation(err)) throw new GatewayError('conflict', `A team with slug ${input.slug} already exists`)
      throw err
    }
  }

  async update (actor: Actor, slug: string, patch: TeamPatch): Promise<TeamView> {
    // the catalogue is fetched before the transaction: no network wait while the row is locked
    const modelIds = needsModelCatalog(patch) ? await this.modelIds() : null
    return this.db.$transaction(async tx => {
      const current = await lockTeam(tx, slug)
      const before = teamView(current)
      const doc = applyPatch(before, patch)
      const problems = teamProblems(doc, { at: 'body', modelIds })
      if (problems.length > 0) throw invalid(problems)
      const row = await tx.team.update({ where: { id: current.id }, data: teamColumns(doc) })
      const after = teamView(row)
      await writeAudit(tx, actor, { action: 'team.update', targetType: 'team', targetId: row.id, before, after })
      await notifyKeyChange(tx, { teamId: row.id })
      return after
    })
  }

  /** Idempotent: disabling a disabled team succeeds (and is audited) without changing it. */
  async setDisabled (actor: Actor, slug: string, disabled: boolean): Promise<TeamView> {
    return this.db.$transaction(async tx => {
      const current = await lockTeam(tx, slug)
      const row = current.disabled === disabled
        ? current
        : await tx.team.update({ where: { id: current.id }, data: { disabled } })
      const after = teamView(row)
      await writeAudit(tx, actor, {
        action: disabled ? 'team.disable' : 'team.enable', targetType: 'team', targetId: row.id, before: teamView(current), after
      })
      // a disabled team's keys stop working on every replica within the cache's notification delay
      await notifyKeyChange(tx, { teamId: row.id })
      return after
    })
  }

  private async check (doc: TeamDoc, at: string): Promise<void> {
    const modelIds = needsModelCatalog(doc) ? await this.modelIds() : null
    const problems = teamProblems(doc, { at, modelIds })
    if (problems.length > 0) throw invalid(problems)
  }

  private async modelIds (): Promise<ReadonlySet<number>> {
    try {
      return new Set((await this.catalog.models()).keys())
    } catch {
      throw new GatewayError('upstream_unavailable')
    }
  }
}
