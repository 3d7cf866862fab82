import type { FastifyRequest } from 'fastify'
import { actorOf, type Actor } from '../../control/actor.ts'
import { GatewayError } from '../../http/errors.ts'

/** The actor of an admin request; the scope's onRequest hook has already refused requests without one. */
export function requestActor (request: FastifyRequest): Actor {
  if (!request.principal) throw new GatewayError(401, 'unauthorized', 'A valid gateway key is required')
  return actorOf(request.principal, request.id)
}
