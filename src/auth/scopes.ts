export const SCOPES = ['jobs:read', 'jobs:write', 'admin', 'finance'] as const
export type Scope = typeof SCOPES[number]

export const DATA_PLANE_SCOPES: readonly Scope[] = ['jobs:read', 'jobs:write']

/** admin implies every other scope; finance implies read access to the control plane only (checked there). */
export function hasScope (granted: readonly string[], needed: Scope): boolean {
  return granted.includes(needed) || granted.includes('admin')
}
