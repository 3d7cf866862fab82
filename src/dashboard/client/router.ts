// Hash routes (#/jobs?state=failed), so every view has a link that survives a reload and the back button works.
// Pure: no DOM.
export type Route =
  | { page: 'overview' }
  | { page: 'teams' }
  | { page: 'team', slug: string }
  | { page: 'jobs', query: URLSearchParams }
  | { page: 'job', id: string }
  | { page: 'reports', query: URLSearchParams }
  | { page: 'audit', query: URLSearchParams }
  | { page: 'missing', path: string }

export function parseRoute (hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?')
  const query = new URLSearchParams(search)
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent)
  const [first, second, ...rest] = parts
  if (rest.length > 0) return { page: 'missing', path }
  if (first === undefined) return { page: 'overview' }
  if (first === 'teams') return second === undefined ? { page: 'teams' } : { page: 'team', slug: second }
  if (first === 'jobs') return second === undefined ? { page: 'jobs', query } : { page: 'job', id: second }
  if (first === 'reports' && second === undefined) return { page: 'reports', query }
  if (first === 'audit' && second === undefined) return { page: 'audit', query }
  return { page: 'missing', path }
}

export function href (path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value)
  const search = params.toString()
  return `#${path}${search ? `?${search}` : ''}`
}

export const teamHref = (slug: string) => href(`/teams/${encodeURIComponent(slug)}`)
export const jobHref = (id: string) => href(`/jobs/${encodeURIComponent(id)}`)
