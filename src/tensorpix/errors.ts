// TensorPix's error shapes, which drop-in clients already parse: 400 ValidationError {errors, non_field_errors},
// {detail} for everything else, in the wording of Django REST Framework (TensorPix's backend). Every body the
// gateway sends also carries request_id (an extra field those clients ignore).
import { Type } from 'typebox'
import type { ErrorCode } from '../errors/catalogue.ts'
import type { GatewayError } from '../errors/gateway-error.ts'
import { UNSTORABLE_TEXT, type SchemaError } from '../errors/problems.ts'

export const DetailSchema = Type.Object({ detail: Type.String(), request_id: Type.Optional(Type.String()) },
  { description: 'TensorPix GenericError/UnauthenticatedError/ForbiddenError/NotFoundError/RateLimitError' })
export const ValidationErrorSchema = Type.Object({
  errors: Type.Record(Type.String(), Type.Array(Type.String())),
  non_field_errors: Type.Array(Type.String()),
  request_id: Type.Optional(Type.String())
}, { description: 'TensorPix ValidationError' })

type ValidationBody = { errors: Record<string, string[]>, non_field_errors: string[] }
export type TensorpixErrorBody = Readonly<Record<string, unknown>>

const throttled = (waitS: number) => `Request was throttled. Expected available in ${waitS} seconds.`

type Wording = { [C in ErrorCode]?: (error: GatewayError<C>, mediaType: string) => string }
const wordingOf = (table: Wording, code: ErrorCode) =>
  table[code] as ((error: GatewayError, mediaType: string) => string) | undefined

// DRF's own {detail} for the errors TensorPix answers itself; any other code's message is already written for
// TensorPix's clients
const DRF_DETAIL: Wording = {
  unauthorized: () => 'Invalid token.',
  forbidden: () => 'You do not have permission to perform this action.',
  not_found: () => 'Not found.',
  rate_limited: error => throttled(error.args[0]),
  rate_limit_exceeded: error => throttled(error.args[0]),
  body_too_large: () => 'Request body is too large.',
  uri_too_long: () => 'Request URL is too long.',
  unsupported_media_type: (_error, mediaType) => `Unsupported media type "${mediaType}" in request.`,
  internal: () => 'A server error occurred.'
}

// what DRF's ParseError says (a ValidationError with one non-field error), and a client error it has no class for
const NON_FIELD: Wording = {
  malformed_body: error => `Parse error - ${error.message}`,
  malformed_multipart: error => `Multipart form parse error - ${error.message}`,
  bad_url: () => 'Malformed request URL.',
  request_refused: error => error.message
}

// DRF answers 400 for a client error it has no class for, and 500 for every server error
const DRF_STATUS: { [C in ErrorCode]?: number } = { request_refused: 400, internal: 500 }

const nonFieldErrors = (message: string): ValidationBody => ({ errors: {}, non_field_errors: [message] })

function bodyOf (error: GatewayError, mediaType: string): TensorpixErrorBody {
  if (error.upstreamBody) return error.upstreamBody
  if (error.field !== undefined) return { errors: { [error.field]: [error.message] }, non_field_errors: [] }
  const nonField = wordingOf(NON_FIELD, error.code)
  if (nonField) return nonFieldErrors(nonField(error, mediaType))
  const detail = wordingOf(DRF_DETAIL, error.code)
  return { detail: detail ? detail(error, mediaType) : error.message, ...error.extra }
}

/** The request an answer is for: its id (none before the request was parsed) and what it declared it sends. */
export interface AnsweredRequest { id?: string, contentType?: string | undefined }

/** A catalogue error in TensorPix's shape; without a request id, the body a replay stores. */
export function tensorpixAnswer (error: GatewayError, request: AnsweredRequest = {}) {
  const body = bodyOf(error, request.contentType ?? '')
  return {
    status: DRF_STATUS[error.code] ?? error.statusCode,
    headers: error.headers,
    body: request.id === undefined ? body : { ...body, request_id: request.id }
  }
}

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

// DRF's wording for the ajv keywords our schemas use, so a gateway 400 reads like an upstream one
function drfMessage (v: SchemaError, body: unknown): string {
  const params = v.params
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
    // DRF would ignore the field; the gateway refuses it (src/tensorpix/requests.ts), so no DRF wording exists
    case 'additionalProperties': return 'This field is not accepted by the gateway.'
    // DRF's CharField validators (ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator)
    case UNSTORABLE_TEXT: return params.codePoint === 0
      ? 'Null characters are not allowed.'
      : `Surrogate characters are not allowed: U+${Number(params.codePoint).toString(16).toUpperCase()}.`
    default: return v.message ?? 'Not a valid value.'
  }
}

// A nullable field is a union (T | null) and an enum a union of literals: ajv reports every failed branch. DRF reports
// one message: the choice message for an enum, otherwise the non-null branch's own complaint.
function withoutUnionNoise (issues: readonly SchemaError[]): SchemaError[] {
  const byField = new Map<string, SchemaError[]>()
  for (const v of issues) {
    const field = v.instancePath.split('/')[1] ?? ''
    byField.set(field, [...byField.get(field) ?? [], v])
  }
  return issues.filter(v => {
    const siblings = byField.get(v.instancePath.split('/')[1] ?? '') ?? []
    if (!siblings.some(s => s.keyword === 'anyOf')) return true
    if (siblings.some(s => s.keyword === 'const' || s.keyword === 'enum')) return v.keyword === 'anyOf'
    const rest = siblings.filter(s => s.keyword !== 'anyOf' && !(s.keyword === 'type' && s.params.type === 'null'))
    return rest.length === 0 ? v.keyword === 'anyOf' : rest.includes(v)
  })
}

// the top-level field a complaint is about: the one missing, the one refused, or the one holding the bad value
function fieldOf (v: SchemaError): string | undefined {
  const missing = v.params.missingProperty as string | undefined
  return missing ?? v.instancePath.split('/')[1] ?? v.params.additionalProperty as string | undefined
}

/** A schema validator's complaints about a request body, as TensorPix's ValidationError words them. */
export function validationBody (issues: readonly SchemaError[], body?: unknown): ValidationBody {
  const errors: Record<string, string[]> = {}
  const nonField: string[] = []
  for (const v of withoutUnionNoise(issues)) {
    const field = fieldOf(v)
    if (!field) {
      nonField.push(v.keyword === 'type'
        ? `Invalid data. Expected a dictionary, but got ${pythonType(body)}.`
        : drfMessage(v, body))
      continue
    }
    const messages = (errors[field] ??= [])
    const message = drfMessage(v, body)
    if (!messages.includes(message)) messages.push(message)
  }
  return { errors, non_field_errors: nonField }
}
