// The gateway's own error envelope, used everywhere except the TensorPix-compatible data plane (which answers in
// TensorPix's shapes): { error: <code>, message, details?, requestId }. And the one place where an error that is
// not a catalogue error (the framework's, the database's, a bug) becomes one, so that no framework code and no 5xx
// message ever reaches a client.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { App } from './types.ts'
import { Type, type Static } from 'typebox'
import { databaseTrouble } from '../db/errors.ts'
import { ERROR_CODES, type ErrorCode } from '../errors/catalogue.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { invalid, schemaProblems, type SchemaError } from '../errors/problems.ts'

export const GatewayErrorSchema = Type.Object({
  error: Type.Unsafe<ErrorCode>(
    Type.String({ description: 'machine-readable code, e.g. not_found', enum: ERROR_CODES })),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
  requestId: Type.String()
}, { $id: 'GatewayError', description: 'Control-plane error envelope' })
export type GatewayErrorBody = Static<typeof GatewayErrorSchema>

// a multipart body its parser gave up on (truncated, bad boundary) fails without a status and leaves no body behind
const multipartUnparsed = (request: FastifyRequest, error: Partial<FastifyError>) =>
  error.statusCode === undefined && typeof request.isMultipart === 'function' && request.isMultipart() &&
  request.body === undefined

/**
 * The catalogue error that any error thrown while serving a request answers as; logs what is not the client's fault.
 */
export function asGatewayError (error: unknown, request: FastifyRequest): GatewayError {
  if (error instanceof GatewayError) return error
  const framework: Partial<FastifyError> = typeof error === 'object' && error !== null ? error : {}
  if (framework.validation) {
    return invalid(schemaProblems(framework.validationContext ?? '', framework.validation as SchemaError[]))
  }
  const trouble = databaseTrouble(error)
  if (trouble) {
    request.log[trouble.logLevel]({ err: error }, trouble.error.code)
    return trouble.error
  }
  const reason = framework.message ?? ''
  if (multipartUnparsed(request, framework)) return new GatewayError('malformed_multipart', reason)
  const status = framework.statusCode ?? 500
  if (status >= 500) {
    request.log.error({ err: error }, 'unhandled error')
    return new GatewayError('internal', status)
  }
  switch (status) {
    // the framework's 400s are bodies it could not read: malformed JSON, an empty JSON body, a short body
    case 400: return new GatewayError('malformed_body', reason)
    case 413: return new GatewayError('body_too_large')
    case 414: return new GatewayError('uri_too_long', reason)
    case 415: return new GatewayError('unsupported_media_type')
    case 429: return new GatewayError('too_many_requests', reason)
    default: return new GatewayError('request_refused', status, reason)
  }
}

/** A catalogue error in the gateway envelope. */
export function gatewayAnswer (error: GatewayError, requestId: string) {
  const body: GatewayErrorBody = { error: error.code, message: error.message, requestId }
  if (error.details) body.details = error.details
  else if (error.field !== undefined) body.details = [{ field: error.field, message: error.message }]
  return { status: error.statusCode, headers: error.headers, body }
}

export function sendGatewayError (request: FastifyRequest, reply: FastifyReply, error: unknown) {
  const answer = gatewayAnswer(asGatewayError(error, request), request.id)
  return reply.code(answer.status).headers(answer.headers).send(answer.body)
}

/** Error and 404 handlers in the gateway envelope for the scope they are installed on. */
export function useGatewayErrors (app: App) {
  app.setErrorHandler((error, request, reply) => sendGatewayError(request, reply, error))
  app.setNotFoundHandler((request, reply) => {
    const route = `Route ${request.method} ${request.url.split('?')[0]}`
    return sendGatewayError(request, reply, new GatewayError('not_found', route))
  })
}
