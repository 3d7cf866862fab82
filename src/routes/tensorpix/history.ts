// /api/jobs/history/…: TensorPix's flatter view of jobs. The list is built from the team's jobs in our records,
// each entry as last read from TensorPix (a bounded number read afresh), so a team only ever sees its own history.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { callerOf, listFromRecords, passThrough, upstreamIdOf } from './forward.ts'
import { teamOf, type DataPlaneDeps } from './context.ts'
import { findTeamJob } from './jobs.ts'
import { errorResponses, Passthrough } from './schemas.ts'
import { IdParams, PageQuery } from '../../tensorpix/requests.ts'

export const historyRoutes: FastifyPluginAsyncTypebox<DataPlaneDeps> = async (app, { db, jobs, publicUrl }) => {
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
    return listFromRecords({ request, query: request.query, publicUrl }, {
      count: () => db.job.count({ where }),
      rows: ({ limit, offset }) => db.job.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { upstreamId: 'desc' }],
        skip: offset,
        take: limit,
        select: { id: true, upstreamId: true, historySnapshot: true, historyRefreshedAt: true }
      }),
      stored: job => job.historySnapshot,
      refreshedAt: job => job.historyRefreshedAt,
      // its video URLs are presigned and expire: always worth reading again
      stale: () => true,
      refresh: async job => {
        const { body } = await passThrough(app.upstream.getHistoryJob(upstreamIdOf(job), callerOf(request)))
        await db.job.update({
          where: { id: job.id }, data: { historySnapshot: body as object, historyRefreshedAt: new Date() }
        })
        return body
      }
    })
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
    return (await passThrough(app.upstream.getHistoryJob(upstreamIdOf(job), callerOf(request)))).body
  })
}
