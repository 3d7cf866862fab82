// /api/jobs/history/…: TensorPix's flatter view of jobs. The list is built from the team's jobs in our records,
// each entry read from TensorPix, so a team only ever sees its own history.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerOf, callUpstream, DEFAULT_PAGE_SIZE, mapBounded, pageLinks } from './forward.ts'
import { teamOf, type DataPlaneDeps } from './index.ts'
import { findTeamJob } from './jobs.ts'
import { errorResponses, IdParams, PageQuery, Passthrough } from './schemas.ts'

const WIDTH = 8

export const historyRoutes: FastifyPluginAsyncTypebox<DataPlaneDeps> = async (app, { db, jobs }) => {
  app.get('/jobs/history/', {
    schema: {
      tags: ['tensorpix'],
      operationId: 'jobs_history_list',
      summary: "The team's job history",
      querystring: PageQuery,
      response: { 200: Passthrough('Paginated history job list'), ...errorResponses }
    }
  }, async request => {
    const where = { teamId: teamOf(request).teamId, upstreamId: { not: null } }
    const page = { limit: request.query.limit ?? DEFAULT_PAGE_SIZE, offset: request.query.offset ?? 0 }
    const [count, jobs] = await Promise.all([
      db.job.count({ where }),
      db.job.findMany({ where, orderBy: [{ createdAt: 'desc' }, { upstreamId: 'desc' }], skip: page.offset, take: page.limit, select: { upstreamId: true } })
    ])
    const results = await mapBounded(jobs, WIDTH, async job =>
      (await callUpstream(app.upstream, { method: 'GET', path: `/api/jobs/history/${job.upstreamId}/`, ...callerOf(request) })).body)
    return { count, ...pageLinks(request, count, page), results }
  })

  app.get('/jobs/history/:id/', {
    schema: {
      tags: ['tensorpix'],
      operationId: 'jobs_history_retrieve',
      summary: 'Details of a specific video enhancement job (history view)',
      params: IdParams,
      response: { 200: Passthrough('History job'), ...errorResponses }
    }
  }, async request => {
    const job = await findTeamJob(jobs, teamOf(request).teamId, request.params.id)
    return (await callUpstream(app.upstream, { method: 'GET', path: `/api/jobs/history/${job.upstreamId}/`, ...callerOf(request) })).body
  })
}
