// TensorPix's error shapes, which drop-in clients already parse: 400 ValidationError {errors, non_field_errors},
// {detail} for everything else. Every body also carries request_id (an extra field those clients ignore).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'

export const DetailSchema = Type.Object({ detail: Type.String(), request_id: Type.Optional(Type.String()) },
  { description: 'TensorPix GenericError/UnauthenticatedError/ForbiddenError/NotFoundError/RateLimitError' })
export const ValidationErrorSchema = Type.Object({
  errors: Type.Record(Type.String(), Type.Array(Type.String())),
  non_field_errors: Type.Array(Type.String()),
  request_id: Type.Optional(Type.String())
}, { description: 'TensorPix ValidationError' })

export const NOT_FOUND = 'Not found.'
export const INVALID_TOKEN = 'Invalid token.'
export const NO_PERMISSION = 'You do not have permission to perform this action.'

/** An answer the data plane gives in TensorPix's shape. Thrown from anywhere below a route. */
export class TensorpixError extends Error {
  constructor (readonly statusCode: number, readonly body: Record<string, unknown>, readonly headers: Record<string, string> = {}) {
    super(typeof body.detail === 'string' ? body.detail : 'validation error')
    this.name = 'TensorpixError'
  }
}

export const detailError = (status: number, detail: string, headers?: Record<string, string>) =>
  new TensorpixError(status, { detail }, headers)

export const fieldError = (field: string, message: string) =>
  new TensorpixError(400, { errors: { [field]: [message] }, non_field_errors: [] })

export const notFound = () => detailError(404, NOT_FOUND)

// DRF's wording for the ajv keywords our schemas use, so a gateway 400 reads like an upstream one
function drfMessage (v: NonNullable<FastifyError['validation']>[number]): string {
  const params = v.params as Record<string, unknown>
  switch (v.keyword) {
    case 'required': return 'This field is required.'
    case 'type': return params.type === 'integer'
      ? 'A valid integer is required.'
      : params.type === 'number'
        ? 'A valid number is required.'
        : params.type === 'boolean'
          ? 'Must be a valid boolean.'
          : params.type === 'array' ? 'Expected a list of items.' : 'Not a valid value.'
    case 'maximum': return `Ensure this value is less than or equal to ${String(params.limit)}.`
    case 'minimum': return `Ensure this value is greater than or equal to ${String(params.limit)}.`
    case 'maxLength': return `Ensure this field has no more than ${String(params.limit)} characters.`
    case 'minLength': return 'This field may not be blank.'
    case 'format': return params.format === 'uri' ? 'Enter a valid URL.' : 'Not a valid value.'
    case 'enum': case 'const': case 'anyOf': return 'Not a valid choice.'
    case 'maxItems': return `Ensure this field has no more than ${String(params.limit)} elements.`
    case 'minItems': return 'This list may not be empty.'
    default: return v.message ?? 'Not a valid value.'
  }
}

export function validationBody (error: FastifyError): { errors: Record<string, string[]>, non_field_errors: string[] } {
  const errors: Record<string, string[]> = {}
  const nonField: string[] = []
  for (const v of error.validation ?? []) {
    const missing = (v.params as { missingProperty?: string }).missingProperty
    const field = missing ?? v.instancePath.split('/')[1]
    if (!field) {
      nonField.push(v.keyword === 'type' ? 'Invalid data. Expected a dictionary.' : drfMessage(v))
      continue
    }
    const messages = (errors[field] ??= [])
    const message = drfMessage(v)
    if (!messages.includes(message)) messages.push(message)
  }
  return { errors, non_field_errors: nonField }
}

export function sendTensorpixError (request: FastifyRequest, reply: FastifyReply, error: FastifyError | TensorpixError) {
  if (error instanceof TensorpixError) {
    return reply.code(error.statusCode).headers(error.headers).send({ ...error.body, request_id: request.id })
  }
  if (error.validation) return reply.code(400).send({ ...validationBody(error), request_id: request.id })
  const status = error.statusCode ?? 500
  if (status === 413) return reply.code(413).send({ detail: 'Request body is too large.', request_id: request.id })
  if (status === 415) return reply.code(415).send({ detail: `Unsupported media type "${request.headers['content-type'] ?? ''}" in request.`, request_id: request.id })
  if (status === 429) return reply.code(429).send({ detail: error.message, request_id: request.id })
  if (status < 500) return reply.code(400).send({ errors: {}, non_field_errors: [error.message], request_id: request.id })
  request.log.error({ err: error }, 'unhandled error')
  return reply.code(500).send({ detail: 'A server error occurred.', request_id: request.id })
}
