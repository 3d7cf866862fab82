// TensorPix's error shapes, which drop-in clients already parse: 400 ValidationError {errors, non_field_errors},
// {detail} for everything else. Every body also carries request_id (an extra field those clients ignore).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { databaseTrouble } from '../../db/errors.ts'

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
type Issue = NonNullable<FastifyError['validation']>[number]

function valueAt (body: unknown, pointer: string): unknown {
  let value: unknown = body
  for (const part of pointer.split('/').slice(1)) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined
  }
  return value
}

// Python's name for a JSON value's type, as DRF quotes it ("Expected a dictionary, but got list.")
function pythonType (value: unknown): string {
  if (Array.isArray(value)) return 'list'
  if (value === null || value === undefined) return 'NoneType'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  return ({ string: 'str', boolean: 'bool' } as Record<string, string>)[typeof value] ?? typeof value
}

function drfMessage (v: Issue, body: unknown): string {
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
    case 'enum': case 'const': case 'anyOf': return `"${String(valueAt(body, v.instancePath))}" is not a valid choice.`
    case 'maxItems': return `Ensure this field has no more than ${String(params.limit)} elements.`
    case 'minItems': return 'This list may not be empty.'
    default: return v.message ?? 'Not a valid value.'
  }
}

// A nullable field is a union (T | null) and an enum a union of literals: ajv reports every failed branch. DRF reports
// one message: the choice message for an enum, otherwise the non-null branch's own complaint.
function withoutUnionNoise (issues: Issue[]): Issue[] {
  const byField = new Map<string, Issue[]>()
  for (const v of issues) {
    const field = v.instancePath.split('/')[1] ?? ''
    byField.set(field, [...byField.get(field) ?? [], v])
  }
  return issues.filter(v => {
    const siblings = byField.get(v.instancePath.split('/')[1] ?? '') ?? []
    if (!siblings.some(s => s.keyword === 'anyOf')) return true
    if (siblings.some(s => s.keyword === 'const' || s.keyword === 'enum')) return v.keyword === 'anyOf'
    const rest = siblings.filter(s => s.keyword !== 'anyOf' && !(s.keyword === 'type' && (s.params as { type?: string }).type === 'null'))
    return rest.length === 0 ? v.keyword === 'anyOf' : rest.includes(v)
  })
}

export function validationBody (error: FastifyError, body?: unknown): { errors: Record<string, string[]>, non_field_errors: string[] } {
  const errors: Record<string, string[]> = {}
  const nonField: string[] = []
  for (const v of withoutUnionNoise(error.validation ?? [])) {
    const missing = (v.params as { missingProperty?: string }).missingProperty
    const field = missing ?? v.instancePath.split('/')[1]
    if (!field) {
      nonField.push(v.keyword === 'type' ? `Invalid data. Expected a dictionary, but got ${pythonType(body)}.` : drfMessage(v, body))
      continue
    }
    const messages = (errors[field] ??= [])
    const message = drfMessage(v, body)
    if (!messages.includes(message)) messages.push(message)
  }
  return { errors, non_field_errors: nonField }
}

export function sendTensorpixError (request: FastifyRequest, reply: FastifyReply, error: FastifyError | TensorpixError) {
  if (error instanceof TensorpixError) {
    return reply.code(error.statusCode).headers(error.headers).send({ ...error.body, request_id: request.id })
  }
  if (error.validation) return reply.code(400).send({ ...validationBody(error, request.body), request_id: request.id })
  const trouble = databaseTrouble(error)
  if (trouble) {
    request.log[trouble.logLevel]({ err: error }, trouble.error.code)
    return reply.code(503).headers(trouble.error.headers).send({ detail: trouble.error.message, request_id: request.id })
  }
  // a multipart body the parser gave up on (truncated, bad boundary) leaves no body behind: DRF's ParseError
  if (error.statusCode === undefined && typeof request.isMultipart === 'function' && request.isMultipart() && request.body === undefined) {
    return reply.code(400).send({ errors: {}, non_field_errors: [`Multipart form parse error - ${error.message}`], request_id: request.id })
  }
  const status = error.statusCode ?? 500
  if (status === 413) return reply.code(413).send({ detail: 'Request body is too large.', request_id: request.id })
  if (status === 414) return reply.code(414).send({ detail: 'Request URL is too long.', request_id: request.id })
  if (status === 415) return reply.code(415).send({ detail: `Unsupported media type "${request.headers['content-type'] ?? ''}" in request.`, request_id: request.id })
  if (status === 429) return reply.code(429).send({ detail: error.message, request_id: request.id })
  // a body that cannot be parsed: TensorPix (DRF's ParseError) answers a ValidationError 'Parse error - …'
  if (status === 400) return reply.code(400).send({ errors: {}, non_field_errors: [`Parse error - ${error.message}`], request_id: request.id })
  if (status < 500) return reply.code(400).send({ errors: {}, non_field_errors: [error.message], request_id: request.id })
  request.log.error({ err: error }, 'unhandled error')
  return reply.code(500).send({ detail: 'A server error occurred.', request_id: request.id })
}
