// /admin/v1/jobs: search jobs across teams (newest first) and read one job with its money timeline.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { JobDetailSchema, JobQuerySchema, JobSchema } from '../../admin/jobs/schemas.ts'
import { DEFAULT_LIMIT } from '../../admin/pagination.ts'
import { pageOf, PageQueryFields, responses, SECURITY } from './schemas.ts'
import type { AdminServices } from './services.ts'

const JobSearchQuery = Type.Object({ ...JobQuerySchema.properties, ...PageQueryFields })
const JobIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'gateway job id' }) })
const base = { tags: ['admin'], security: SECURITY }

export const jobRoutes: FastifyPluginAsyncTypebox<AdminServices> = async (app, { jobs }) => {
  app.get('/jobs', {
    config: { adminAccess: 'read' },
    schema: {
      ...base,
      operationId: 'searchJobs',
      summary: 'Jobs of every team, newest first, filtered by team, key, state and creation time',
      querystring: JobSearchQuery,
      response: responses({ 200: pageOf(JobSchema) }, 404)
    }
  }, async request => jobs.search({ ...request.query, limit: request.query.limit ?? DEFAULT_LIMIT }))

  app.get('/jobs/:id', {
    config: { adminAccess: 'read' },
    schema: {
      ...base,
      operationId: 'getJob',
      summary: 'A job with its timeline: creation, hold, submission, status and every ledger row',
      params: JobIdParams,
      response: responses({ 200: JobDetailSchema }, 404)
    }
  }, async request => jobs.get(request.params.id))
}
