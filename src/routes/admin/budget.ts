import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AdjustmentCreateSchema, AdjustmentSchema } from '../../admin/usage/schemas.ts'
import { requestActor } from './actor.ts'
import { responses, SECURITY, SlugParams } from './schemas.ts'
import type { AdminServices } from './services.ts'

export const budgetRoutes: FastifyPluginAsyncTypebox<AdminServices> = async (app, { usage }) => {
  app.post('/teams/:slug/budget/adjustments', {
    config: { adminAccess: 'budget' },
    schema: {
      tags: ['admin'],
      security: SECURITY,
      operationId: 'createBudgetAdjustment',
      summary: "Credit (positive) or debit (negative) the team's current period, with a reason",
      params: SlugParams,
      body: AdjustmentCreateSchema,
      response: responses({ 201: AdjustmentSchema }, 404)
    }
  }, async (request, reply) => reply.code(201).send(
    await usage.adjust(requestActor(request), request.params.slug, request.body)
  ))
}
