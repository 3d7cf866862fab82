// The gateway's own error envelope, used everywhere except the TensorPix-compatible data plane (which answers in
// TensorPix's shapes): { error: <code>, message, details?, requestId }. 5xx messages never reach the client.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { App } from './types.ts'
import { Type, type Static } from 'typebox'
import { databaseTrouble } from '../db/errors.ts'

export const GatewayErrorSchema = Type.Object({
  error: Type.String({ description: 'machine-readable code, e.g. not_found' }),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
  requestId: Type.String()
}, { $id: 'GatewayError', description: 'Control-plane error envelope' })
export type GatewayErrorBody = Static<typeof GatewayErrorSchema>

export class GatewayError extends Error {
  constructor (readonly statusCode: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message)
    this.name = 'GatewayError'
  }
}

export const notFound = (what: string) => new GatewayError(404, 'not_found', `${what} not found`)
export const conflict = (message: string) => new GatewayError(409, 'conflict', message)
export const forbidden = (message: string) => new GatewayError(403, 'forbidden', message)

function validationDetails (error: FastifyError) {
  return (error.validation ?? []).map(v => ({
    field: `${error.validationContext ?? ''}${v.instancePath}`.replaceAll('/', '.'),
    message: v.message ?? 'is invalid'
  }))
}

export function sendGatewayError (request: FastifyRequest, reply: FastifyReply, error: FastifyError | GatewayError) {
  if (error instanceof GatewayError) {
    const body: GatewayErrorBody = { error: error.code, message: error.message, requestId: request.id }
    if (error.details !== undefined) body.details = error.details
    return reply.code(error.statusCode).send(body)
  }
  if (error.validation) {
    return reply.code(400).send({
      error: 'bad_request', message: 'The request is invalid', details: validationDetails(error), requestId: request.id
    })
  }
  const trouble = databaseTrouble(error)
  if (trouble) {
    request.log[trouble.logLevel]({ err: error }, trouble.code)
    return reply.code(503).header('retry-after', trouble.retryAfterS)
      .send({ error: trouble.code, message: trouble.message, requestId: request.id })
  }
  const status = error.statusCode ?? 500
  if (status >= 500) {
    request.log.error({ err: error }, 'unhandled error')
    return reply.code(status).send({ error: 'internal', message: 'Internal server error', requestId: request.id })
  }
  return reply.code(status).send({ error: error.code?.toLowerCase() ?? 'bad_request', message: error.message, requestId: request.id })
}

/** Error and 404 handlers in the gateway envelope for the scope they are installed on. */
export function useGatewayErrors (app: App) {
  app.setErrorHandler((error: FastifyError | GatewayError, request, reply) => sendGatewayError(request, reply, error))
  app.setNotFoundHandler((request, reply) => reply.code(404).send({
    error: 'not_found', message: `Route ${request.method} ${request.url.split('?')[0]} not found`, requestId: request.id
  }))
}
