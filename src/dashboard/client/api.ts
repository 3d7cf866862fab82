// The gateway's admin API from the browser: the key from sessionStorage goes in the Authorization header (no
// cookies, so there is nothing for another site to ride on), and every failure becomes a sentence.

const STORAGE_KEY = 'tpx-gateway.key'

export const session = {
  key: (): string | null => sessionStorage.getItem(STORAGE_KEY),
  save: (key: string) => sessionStorage.setItem(STORAGE_KEY, key),
  clear: () => sessionStorage.removeItem(STORAGE_KEY)
}

interface Envelope { error?: string, message?: string, details?: Array<{ field?: string, message?: string }> }

export class ApiError extends Error {
  constructor (readonly status: number, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

function explain (status: number, body: Envelope | null): string {
  const details = (body?.details ?? [])
    .map(d => [d.field?.replace(/^(querystring|body|query)\./, ''), d.message].filter(Boolean).join(' '))
    .filter(Boolean)
  const message = body?.message ?? `The gateway answered HTTP ${status}`
  if (status === 401) return 'Your key was not accepted (unknown, expired or revoked). Sign in again.'
  if (status === 403) return `${message}. Finance keys can read everything; changes need an admin key.`
  if (status === 429) return 'Too many requests; wait a moment and try again.'
  if (status >= 500) return `${message} (HTTP ${status}); try again shortly.`
  return details.length > 0 ? `${message}: ${details.join('; ')}` : message
}

/** Called when the key stops working, so the page can go back to sign-in. */
let onUnauthorized: (message: string) => void = () => {}
export function whenUnauthorized (handler: (message: string) => void) { onUnauthorized = handler }

export type Query = Record<string, string | number | undefined | null>

export function withQuery (path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value))
  }
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

async function call (
  method: string,
  path: string,
  options: { body?: unknown, accept?: string, key?: string } = {}
): Promise<Response> {
  const key = options.key ?? session.key()
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json' }
  if (key) headers.authorization = `Bearer ${key}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    const withBody = options.body === undefined ? {} : { body: JSON.stringify(options.body) }
    res = await fetch(path, { method, headers, ...withBody })
  } catch {
    throw new ApiError(0, 'The gateway could not be reached. Check the network and try again.')
  }
  if (res.ok) return res
  const body = await res.json().catch(() => null) as Envelope | null
  const error = new ApiError(res.status, explain(res.status, body))
  if (res.status === 401 && options.key === undefined) onUnauthorized(error.message)
  throw error
}

export const api = {
  async get<T> (path: string, query?: Query): Promise<T> {
    return await (await call('GET', withQuery(path, query))).json() as T
  },
  /** Every item of a paged admin list, following its cursors. */
  async all<T> (path: string, query: Query = {}): Promise<T[]> {
    const items: T[] = []
    let cursor: string | null | undefined
    do {
      const page = await api.get<{ items: T[], nextCursor: string | null }>(path, { ...query, limit: 200, cursor })
      items.push(...page.items)
      cursor = page.nextCursor
    } while (cursor)
    return items
  },
  async send<T> (method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return await (await call(method, path, { body })).json() as T
  },
  async csv (path: string, query?: Query): Promise<Blob> {
    return await (await call('GET', withQuery(path, query), { accept: 'text/csv' })).blob()
  },
  /** Checks a key before it is kept: the caller's identity, or an ApiError in words. */
  async whoami<T> (key: string): Promise<T> {
    return await (await call('GET', '/admin/v1/whoami', { key })).json() as T
  }
}
