// Finance reports: spend (JSON or streamed CSV), budgets with a burn-rate forecast, and reconciliation against
// TensorPix's figures. Read access: admin or finance.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  BudgetsQuerySchema, BudgetsReportSchema, ReconciliationQuerySchema, ReconciliationReportSchema, SpendQuerySchema,
  SpendReportSchema
} from '../../reports/schemas.ts'
import { responses, SECURITY } from './schemas.ts'
import type { AdminServices } from './services.ts'

const wantsCsv = (format: string | undefined, accept: string | undefined) =>
  format === 'csv' || (format === undefined && /\btext\/csv\b/.test(accept ?? ''))

export const reportRoutes: FastifyPluginAsyncTypebox<AdminServices> = async (app, { reports }) => {
  app.get('/reports/spend', {
    config: { adminAccess: 'read' },
    schema: {
      tags: ['reports'],
      security: SECURITY,
      operationId: 'getSpendReport',
      summary: 'Spend grouped by team, key, model, day or month (one or two), from the daily rollups',
      description: 'Money as 4-place strings; by model, each job\'s cost is split over its ML models in proportion ' +
        'to their cost_weight, so model rows add up to the totals. format=csv or Accept: text/csv streams RFC 4180 ' +
        'CSV with a header line and the same columns as a JSON row.',
      querystring: SpendQuerySchema,
      produces: ['application/json', 'text/csv'],
      response: responses({ 200: SpendReportSchema }, 404)
    }
  }, async (request, reply) => {
    const plan = await reports.plan(request.query)
    if (!wantsCsv(request.query.format, request.headers.accept)) return reports.spend(plan)
    const name = `spend-${plan.dims.join('-')}-${request.query.from ?? 'from'}-${request.query.to ?? 'to'}.csv`
    return reply.type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(await reports.spendCsv(plan))
  })

  app.get('/reports/budgets', {
    config: { adminAccess: 'read' },
    schema: {
      tags: ['reports'],
      security: SECURITY,
      operationId: 'getBudgetsReport',
      summary: 'Per team: budget, charged, held, remaining, % used and the day it runs out at the current burn rate',
      querystring: BudgetsQuerySchema,
      response: responses({ 200: BudgetsReportSchema })
    }
  }, async request => reports.budgets(request.query.at))

  app.get('/reports/reconciliation', {
    config: { adminAccess: 'read' },
    schema: {
      tags: ['reports'],
      security: SECURITY,
      operationId: 'getReconciliationReport',
      summary: 'Ledger net against TensorPix\'s figures per team and job (jobs created in the range); only differing jobs listed',
      querystring: ReconciliationQuerySchema,
      response: responses({ 200: ReconciliationReportSchema })
    }
  }, async request => reports.reconciliation(request.query))
}
