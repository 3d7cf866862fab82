import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { UsageSchema } from '../../admin/usage/schemas.ts'
import { responses, SECURITY, SlugParams } from './schemas.ts'
import type { AdminServices } from './services.ts'

export const usageRoutes: FastifyPluginAsyncTypebox<AdminServices> = async (app, { usage }) => {
  app.get('/teams/:slug/usage', {
    config: { adminAccess: 'read' },
    schema: {
      tags: ['admin'],
      security: SECURITY,
      operationId: 'getTeamUsage',
      summary: 'Budget, charged, held and remaining for the current period; jobs today; active jobs; per key',
      params: SlugParams,
      response: responses({ 200: UsageSchema }, 404)
    }
  }, async request => usage.view(request.params.slug))
}
