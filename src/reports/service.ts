// The finance reports behind /admin/v1/reports and the CLI: query parameters in, report out. The pure pieces
// (dates, group-by, CSV, forecast, model split) are their own modules; this file joins them to the queries.
import { Readable } from 'node:stream'
import type { Db } from '../db/client.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { invalid } from '../errors/problems.ts'
import type { ModelCatalog } from '../upstream/model-catalog.ts'
import { csvLines } from './csv.ts'
import { isoDay, parseDay, parseRange, startOfDay } from './dates.ts'
import { parseGroupBy, spendColumns, type Dimension } from './group-by.ts'
import { budgetsReport } from './budgets.ts'
import { reconciliationReport } from './reconciliation.ts'
import type { BudgetsReport, ReconciliationReport, SpendQuery, SpendReport } from './schemas.ts'
import { spendReport, spendRows, type ModelNames, type SpendFilter } from './spend.ts'

export interface SpendPlan { dims: Dimension[], filter: SpendFilter }

export class ReportService {
  constructor (
    private readonly db: Db,
    private readonly catalog: ModelCatalog,
    private readonly clock: () => Date = () => new Date()
  ) {}

  /** The validated shape of a spend query (400 naming every bad parameter; 404 for an unknown team). */
  async plan (query: SpendQuery): Promise<SpendPlan> {
    const range = parseRange(query, this.clock())
    const dims = parseGroupBy(query.group_by)
    if ('problems' in range || 'problems' in dims) {
      throw invalid([...('problems' in range ? range.problems : []), ...('problems' in dims ? dims.problems : [])])
    }
    let teamId: string | undefined
    if (query.team) {
      const team = await this.db.team.findUnique({ where: { slug: query.team }, select: { id: true } })
      if (!team) throw new GatewayError('not_found', `Team ${query.team}`)
      teamId = team.id
    }
    return { dims: dims.value, filter: { ...range.value, teamId } }
  }

  async spend (plan: SpendPlan): Promise<SpendReport> {
    const { rows, totals } = await spendReport(this.db, plan.dims, plan.filter, await this.modelNames(plan.dims))
    return { from: isoDay(plan.filter.from), to: isoDay(plan.filter.to), groupBy: plan.dims, rows, totals }
  }

  /** The same rows as spend(), as a stream of CSV text. */
  async spendCsv (plan: SpendPlan): Promise<Readable> {
    const rows = spendRows(this.db, plan.dims, plan.filter, await this.modelNames(plan.dims))
    return Readable.from(csvLines(spendColumns(plan.dims), rows))
  }

  async budgets (at: string | undefined): Promise<BudgetsReport> {
    const day = at === undefined ? startOfDay(this.clock()) : parseDay(at)
    if (!day) throw invalid([{ field: 'querystring.at', message: 'must be a calendar date YYYY-MM-DD' }])
    return budgetsReport(this.db, day)
  }

  async reconciliation (query: { from?: string | undefined, to?: string | undefined }): Promise<ReconciliationReport> {
    const range = parseRange(query, this.clock())
    if ('problems' in range) throw invalid(range.problems)
    return reconciliationReport(this.db, range.value)
  }

  // model names come from TensorPix's catalogue; a report is still answered, without names, when it is unreachable
  private async modelNames (dims: readonly Dimension[]): Promise<ModelNames> {
    if (!dims.includes('model')) return () => undefined
    const models = await this.catalog.models().catch(() => null)
    return id => models?.get(id)?.name
  }
}
