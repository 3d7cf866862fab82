import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerOf, passThrough, rewriteLink } from './forward.ts'
import { errorResponses, Passthrough } from './schemas.ts'
import type { DataPlaneOptions } from './context.ts'
import { ModelPageQuery } from '../../tensorpix/requests.ts'

// The ML-model catalogue is the same for every team: forwarded, with pagination links moved to our origin.
export const modelRoutes: FastifyPluginAsyncTypebox<Pick<DataPlaneOptions, 'publicUrl'>> = async (app, { publicUrl }) => {
  app.get('/ml-models/', {
    schema: {
      tags: ['tensorpix'],
      operationId: 'ml_models_list',
      summary: 'List AI filters (ML models)',
      querystring: ModelPageQuery,
      response: { 200: Passthrough('PaginatedMLModelListList'), ...errorResponses }
    }
  }, async request => {
    const res = await passThrough(app.upstream.listModels(
      { page: request.query.page, page_size: request.query.page_size },
      callerOf(request)
    ))
    const body = res.body as Record<string, unknown>
    const link = (upstreamLink: unknown) => rewriteLink(upstreamLink, request, publicUrl)
    return { ...body, next: link(body.next), previous: link(body.previous) }
  })
}
