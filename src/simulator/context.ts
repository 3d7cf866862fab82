// What every route of one simulator instance shares.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawServerDefault } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FaultEngine } from './faults.ts'
import type { MediaSigner } from './media.ts'
import type { ResolvedOptions } from './options.ts'
import type { RateLimiter } from './rate-limit.ts'
import type { Simulation } from './simulation.ts'
import type { ViewContext } from './views.ts'

export type SimApp =
  FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>

export interface SimulatorContext {
  options: ResolvedOptions
  sim: Simulation
  faults: FaultEngine
  limiter: RateLimiter
  signer: MediaSigner
}

/** Links in responses use the origin the client called, as DRF builds them from the request's Host. */
export function viewContext (ctx: SimulatorContext, request: FastifyRequest): ViewContext {
  return { origin: `${request.protocol}://${request.host}`, sim: ctx.sim, signer: ctx.signer }
}

export function requestPath (request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url
}

/** Path ids are digits or the route does not exist, as with Django's <int:pk> converters. */
export function pathId (value: string): number | null {
  return /^\d{1,15}$/.test(value) ? Number(value) : null
}
