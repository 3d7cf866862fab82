import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { listAudit } from '../../admin/audit/service.ts'
import { AuditEventSchema, AuditQuerySchema } from '../../admin/audit/schemas.ts'
import { DEFAULT_LIMIT } from '../../admin/pagination.ts'
import { pageOf, PageQueryFields, responses, SECURITY } from './schemas.ts'
import type { AdminServices } from './services.ts'

const AuditListQuery = Type.Object({ ...AuditQuerySchema.properties, ...PageQueryFields })

export const auditRoutes: FastifyPluginAsyncTypebox<AdminServices> = async (app, { db }) => {
  app.get('/audit', {
    config: { adminAccess: 'read' },
    schema: {
      tags: ['admin'],
      security: SECURITY,
      operationId: 'listAuditEvents',
      summary: 'Admin writes, newest first, filtered by actor key, target, action and time',
      querystring: AuditListQuery,
      response: responses({ 200: pageOf(AuditEventSchema) })
    }
  }, async request => listAudit(db, { ...request.query, limit: request.query.limit ?? DEFAULT_LIMIT }))
}
