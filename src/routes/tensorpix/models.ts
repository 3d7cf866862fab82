import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerOf, callUpstream, rewriteLink } from './forward.ts'
import { errorResponses, ModelPageQuery, Passthrough } from './schemas.ts'

// The ML-model catalogue is the same for every team: forwarded, with pagination links moved to our origin.
export const modelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/ml-models/', {
    schema: {
      tags: ['tensorpix'],
      operationId: 'ml_models_list',
      summary: 'List AI filters (ML models)',
      querystring: ModelPageQuery,
      response: { 200: Passthrough('PaginatedMLModelListList'), ...errorResponses }
    }
  }, async request => {
    const query = new URLSearchParams()
    if (request.query.page !== undefined) query.set('page', String(request.query.page))
    if (request.query.page_size !== undefined) query.set('page_size', String(request.query.page_size))
    const path = `/api/ml-models/${query.size ? `?${query}` : ''}`
    const res = await callUpstream(app.upstream, { method: 'GET', path, ...callerOf(request) })
    const body = res.body as Record<string, unknown>
    return { ...body, next: rewriteLink(body.next, request), previous: rewriteLink(body.previous, request) }
  })
}
