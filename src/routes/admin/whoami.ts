// /admin/v1/whoami: the calling key, so a client (the dashboard) can offer only the actions its scopes allow.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { allows } from '../../admin/access.ts'
import { WhoamiSchema, type Whoami } from '../../admin/whoami/schemas.ts'
import { requestPrincipal } from './actor.ts'
import { responses, SECURITY } from './schemas.ts'

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
  }, async (request): Promise<Whoami> => {
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
