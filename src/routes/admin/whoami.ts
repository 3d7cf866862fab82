// /admin/v1/whoami: the calling key, so a client (the dashboard) can offer only the actions its scopes allow.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { allows } from '../../control/access.ts'
import { requestPrincipal } from './actor.ts'
import { responses, SECURITY } from './schemas.ts'

const WhoamiSchema = Type.Object({
  keyId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  canManage: Type.Boolean({ description: 'true for admin keys: teams, keys and policies may be changed' })
})

export const whoamiRoutes: FastifyPluginAsyncTypebox = async app => {
  app.get('/whoami', {
    config: { adminAccess: 'read' },
    schema: {
      tags: ['admin'],
      security: SECURITY,
      operationId: 'whoami',
      summary: 'The calling key: name, prefix and scopes',
      response: responses({ 200: WhoamiSchema })
    }
  }, async request => {
    const principal = requestPrincipal(request)
    return {
      keyId: principal.keyId,
      name: principal.keyName,
      prefix: principal.prefix,
      scopes: [...principal.scopes],
      canManage: allows(principal.scopes, 'manage')
    }
  })
}
