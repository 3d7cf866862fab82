// GET /metrics on the main listener, behind an admin or finance key. Registered only when METRICS_PORT does not
// move the scrape to a listener of its own (src/metrics/listener.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { authorize } from './admin/index.ts'
import { responses, SECURITY } from './admin/schemas.ts'

export const metricsRoutes: FastifyPluginAsyncTypebox = async app => {
  app.get('/metrics', {
    config: { adminAccess: 'read' },
    onRequest: async request => authorize(app, request),
    schema: {
      tags: ['operations'],
      security: SECURITY,
      operationId: 'metrics',
      summary: 'Prometheus metrics in the text exposition format (admin or finance key; see METRICS_PORT)',
      response: responses({ 200: { description: 'The exposition', content: { 'text/plain': { schema: Type.String() } } } })
    }
  }, async (_request, reply) => reply.type(app.metrics.contentType).send(await app.metrics.scrape()))
}
