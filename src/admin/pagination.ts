// Keyset pagination with an opaque cursor (the sort key of the last item, base64url JSON), or a plain offset for
// callers that want page numbers. Pure.
import { invalid, unstorableCodePoint } from '../errors/problems.ts'
import type { Page, PageRequest } from './page.ts'

export const DEFAULT_LIMIT = 50
export const MAX_LIMIT = 200

export function encodeCursor (key: string): string {
  return Buffer.from(JSON.stringify([key])).toString('base64url')
}

/** The sort key inside a cursor; a 400 naming `query.cursor` when it is not one of ours. */
export function decodeCursor (cursor: string): string {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    // a key the database cannot compare with (a NUL, a lone surrogate) was never written by encodeCursor
    if (Array.isArray(decoded) && decoded.length === 1 && typeof decoded[0] === 'string' &&
      unstorableCodePoint(decoded[0]) === null) return decoded[0]
  } catch {
    // not base64url JSON: answered below like any other foreign cursor
  }
  throw invalid([{ field: 'query.cursor', message: 'is not a cursor returned by this API' }])
}

/** Where a page starts: after a cursor key, or at an offset (not both). */
export function pageStart (request: PageRequest): { after: string | null, skip: number } {
  if (request.cursor !== undefined && request.offset !== undefined) {
    throw invalid([{ field: 'query.offset', message: 'cannot be combined with cursor' }])
  }
  return { after: request.cursor === undefined ? null : decodeCursor(request.cursor), skip: request.offset ?? 0 }
}

const MAX_BIGINT = 2n ** 63n - 1n // PostgreSQL's bigint

/** The row id after which a page of rows keyed by a bigint id starts (undefined: from the first). */
export function bigintAfter (after: string | null): bigint | undefined {
  if (after === null) return undefined
  if (!/^\d{1,19}$/.test(after) || BigInt(after) > MAX_BIGINT) {
    throw invalid([{ field: 'query.cursor', message: 'is not a cursor returned by this API' }])
  }
  return BigInt(after)
}

/** Given up to limit + 1 rows, the page and the cursor of the next one. */
export function toPage<Row, T> (
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => string,
  view: (row: Row) => T
): Page<T> {
  const pageRows = rows.slice(0, limit)
  const last = pageRows[pageRows.length - 1]
  return {
    items: pageRows.map(view),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null
  }
}
