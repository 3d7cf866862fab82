// DRF's two paginators as TensorPix uses them: limit/offset (jobs, videos, restored videos) and page/page_size
// (ml-models). next/previous are absolute URLs on the request's own origin, with query keys sorted as DRF does.

export interface Page<T> {
  count: number
  next: string | null
  previous: string | null
  results: T[]
}

export const DEFAULT_PAGE_SIZE = 100
export const MAX_PAGE_SIZE = 1000

type Query = Record<string, string | undefined>

function positiveInt (value: string | undefined, fallback: number, { allowZero = false } = {}): number {
  if (value === undefined || !/^\d+$/.test(value)) return fallback
  const n = Number(value)
  return n === 0 && !allowZero ? fallback : n
}

function link (baseUrl: string, query: Query, changes: Record<string, number | null>): string {
  const params: Record<string, string> = {}
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params[key] = value
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete params[key]
    else params[key] = String(value)
  }
  const search = new URLSearchParams(Object.entries(params).sort(([a], [b]) => a.localeCompare(b))).toString()
  return search ? `${baseUrl}?${search}` : baseUrl
}

/** Invalid limit/offset values fall back to the defaults, as in DRF, rather than failing. */
export function limitOffsetPage<T> (
  items: readonly T[], query: Query, baseUrl: string, maxLimit = MAX_PAGE_SIZE
): Page<T> {
  const limit = Math.min(positiveInt(query.limit, DEFAULT_PAGE_SIZE), maxLimit)
  const offset = positiveInt(query.offset, 0, { allowZero: true })
  const count = items.length
  return {
    count,
    next: offset + limit < count ? link(baseUrl, query, { limit, offset: offset + limit }) : null,
    // DRF leaves offset out of the link back to the first page
    previous: offset <= 0
      ? null
      : link(baseUrl, query, { limit, offset: offset - limit <= 0 ? null : offset - limit }),
    results: items.slice(offset, offset + limit)
  }
}

/** null for a page past the end (or not a number): DRF answers that with 404 "Invalid page." */
export function pageNumberPage<T> (items: readonly T[], query: Query, baseUrl: string): Page<T> | null {
  const size = Math.min(positiveInt(query.page_size, DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
  const pages = Math.max(1, Math.ceil(items.length / size))
  const page = query.page === 'last' ? pages : query.page === undefined ? 1 : positiveInt(query.page, 0)
  if (page < 1 || page > pages) return null
  return {
    count: items.length,
    next: page < pages ? link(baseUrl, query, { page: page + 1 }) : null,
    previous: page > 1 ? link(baseUrl, query, { page: page === 2 ? null : page - 1 }) : null,
    results: items.slice((page - 1) * size, page * size)
  }
}
