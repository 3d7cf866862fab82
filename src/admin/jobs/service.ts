// Job search across teams and one job's timeline, for finance and platform staff. Reads only: jobs change through
// the data plane and the workers.
import type { Db, Prisma } from '../../db/client.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { JobDetailView, JobQuery, JobView } from './schemas.ts'
import { jobSortKey, jobTimeline, jobView, parseJobSortKey } from './view.ts'
import { pageStart, toPage } from '../pagination.ts'
import type { Page, PageRequest } from '../page.ts'

const WITH_OWNER = {
  team: { select: { slug: true, name: true } },
  apiKey: { select: { name: true, publicId: true } }
} as const

export class JobService {
  constructor (private readonly db: Db) {}

  /** Newest first; each filter has an index that starts with it, followed by created_at. */
  async search (query: JobQuery & PageRequest): Promise<Page<JobView>> {
    const start = pageStart(query)
    const after = start.after === null ? null : parseJobSortKey(start.after)
    const where: Prisma.JobWhereInput = {
      teamId: query.team === undefined ? undefined : await this.teamId(query.team),
      apiKeyId: query.key,
      state: query.state,
      createdAt: { gte: query.from ? new Date(query.from) : undefined, lt: query.to ? new Date(query.to) : undefined },
      AND: after === null
        ? undefined
        : [{ OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }]
    }
    const rows = await this.db.job.findMany({
      where,
      include: WITH_OWNER,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: start.skip,
      take: query.limit + 1
    })
    return toPage(rows, query.limit, jobSortKey, jobView)
  }

  async get (id: string): Promise<JobDetailView> {
    const row = await this.db.job.findUnique({ where: { id }, include: WITH_OWNER })
    if (!row) throw new GatewayError('not_found', `Job ${id}`)
    const ledger = await this.db.ledgerEntry.findMany({ where: { jobId: id }, orderBy: { id: 'asc' } })
    return { ...jobView(row), timeline: jobTimeline(row, ledger) }
  }

  private async teamId (slug: string): Promise<string> {
    const team = await this.db.team.findUnique({ where: { slug }, select: { id: true } })
    if (!team) throw new GatewayError('not_found', `Team ${slug}`)
    return team.id
  }
}
