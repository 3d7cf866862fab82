import type { FastifyRequest } from 'fastify'
import type { Principal } from '../../auth/principal.ts'
import { actorOf, type Actor } from '../../admin/actor.ts'
import { GatewayError } from '../../errors/gateway-error.ts'

/** The key behind an admin request; the scope's onRequest hook has already refused requests without one. */
export function requestPrincipal (request: FastifyRequest): Principal {
  if (!request.principal) throw new GatewayError('unauthorized')
  return request.principal
}

export function requestActor (request: FastifyRequest): Actor {
  return actorOf(requestPrincipal(request), request.id)
}
