// Shared shape of the limit/offset list endpoints: owner's records, newest first unless told otherwise ([I] ordering
// is undocumented), with next/previous built from the request's own URL.
import type { FastifyRequest } from 'fastify'
import { requestPath } from '../context.ts'
import { limitOffsetPage, type Page } from '../pagination.ts'

export type ListQuery = Record<string, string | undefined>

export function listUrl (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${requestPath(request)}`
}

export function listPage<T extends { id: number }, R> (
  request: FastifyRequest,
  items: Iterable<T>,
  render: (item: T) => R,
  order: 'newest' | 'oldest' = 'newest'
): Page<R> {
  const sorted = [...items].sort((a, b) => order === 'newest' ? b.id - a.id : a.id - b.id)
  const page = limitOffsetPage(sorted, request.query as ListQuery, listUrl(request))
  return { ...page, results: page.results.map(render) }
}
