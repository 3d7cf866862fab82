// The master TensorPix account: top-ups recorded so the account check can explain the balance. Recording is a
// budget-level write (admin or finance), audited; reading is admin or finance.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TopUpCreateSchema, TopUpListSchema, TopUpSchema } from '../../admin/account/schemas.ts'
import { requestActor } from './actor.ts'
import { responses, SECURITY } from './schemas.ts'
import type { AdminServices } from './services.ts'

export const accountRoutes: FastifyPluginAsyncTypebox<AdminServices> = async (app, { account }) => {
  app.post('/account/top-ups', {
    config: { adminAccess: 'budget' },
    schema: {
      tags: ['admin'],
      security: SECURITY,
      operationId: 'createAccountTopUp',
      summary: 'Record a top-up (or any other change) of the master TensorPix balance made outside the gateway',
      description: 'The account check counts it from `at` on as an explained change of the balance.',
      body: TopUpCreateSchema,
      response: responses({ 201: TopUpSchema })
    }
  }, async (request, reply) => reply.code(201).send(await account.recordTopUp(requestActor(request), request.body)))

  app.get('/account/top-ups', {
    config: { adminAccess: 'read' },
    schema: {
      tags: ['admin'],
      security: SECURITY,
      operationId: 'listAccountTopUps',
      summary: 'The recorded top-ups of the master TensorPix account, newest first',
      response: responses({ 200: TopUpListSchema })
    }
  }, async () => account.topUps())
}
