// Pieces every admin route contract shares: the error responses, security, path parameters and paging.
import { Type, type TSchema } from 'typebox'
import { GatewayErrorSchema } from '../../http/errors.ts'
import { DEFAULT_LIMIT, MAX_LIMIT } from '../../admin/pagination.ts'
import { SLUG_PATTERN } from '../../admin/teams/schemas.ts'

const ERROR_DESCRIPTIONS = {
  400: 'Invalid input: details names every offending field',
  401: 'No key, or a key that is unknown, expired or revoked',
  403: 'The key lacks the scope this route needs',
  404: 'Unknown team or key',
  409: 'Conflicts with the current state (duplicate slug or name, revoked key)',
  429: 'Too many requests without a valid key from this address; see Retry-After',
  503: 'TensorPix could not be reached to validate model ids'
} as const
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS

const errorBody = (status: ErrorStatus) =>
  Type.Object(GatewayErrorSchema.properties, { description: ERROR_DESCRIPTIONS[status] })

/** Responses of a route: its success bodies plus 400, 401, 403, 429 and the listed extra error statuses. */
export function responses<T extends Record<number, TSchema>> (success: T, ...extra: Array<404 | 409 | 503>) {
  const errors: Partial<Record<ErrorStatus, TSchema>> = {}
  for (const status of [400, 401, 403, 429, ...extra] as ErrorStatus[]) errors[status] = errorBody(status)
  return { ...success, ...errors }
}

export const SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { tokenAuth: [] }]

export const SlugParams = Type.Object({ slug: Type.String({ pattern: SLUG_PATTERN, description: 'team slug' }) })
export const KeyIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'key id' }) })

export const PageQueryFields = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'nextCursor of the previous page' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: 'alternative to cursor' }))
}

export const pageOf = <T extends TSchema>(item: T) => Type.Object({
  items: Type.Array(item),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as cursor for the next page; null on the last' })
})
