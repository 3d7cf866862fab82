import type { SimApp } from '../context.ts'
import { ML_MODELS } from '../catalogue.ts'
import { detailError } from '../errors.ts'
import { pageNumberPage } from '../pagination.ts'
import { mlModelView } from '../views.ts'
import { listUrl, type ListQuery } from './lists.ts'

export function mlModelRoutes (app: SimApp) {
  app.get('/ml-models/', async (request) => {
    const page = pageNumberPage(ML_MODELS.map(mlModelView), request.query as ListQuery, listUrl(request))
    if (!page) throw detailError(404, 'Invalid page.')
    return page
  })
}
