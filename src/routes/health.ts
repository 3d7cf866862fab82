// Liveness says the process answers; readiness says it can do its job (the database is reachable), so a load
// balancer stops sending traffic to a replica that lost its database instead of letting creates fail.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Db } from '../db/client.ts'

const Ok = Type.Object({ status: Type.Literal('ok') })
const NotReady = Type.Object({ status: Type.Literal('unavailable'), reason: Type.String() })

export const healthRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get('/healthz', {
    schema: { tags: ['health'], operationId: 'healthz', summary: 'Process liveness', response: { 200: Ok } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    schema: {
      tags: ['health'],
      operationId: 'readyz',
      summary: 'Readiness: the database is reachable',
      response: { 200: Ok, 503: NotReady }
    }
  }, async (request, reply) => {
    try {
      await db.$queryRaw`SELECT 1`
      return { status: 'ok' as const }
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed')
      return reply.code(503).send({ status: 'unavailable' as const, reason: 'database unreachable' })
    }
  })
}
