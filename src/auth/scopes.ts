export const SCOPES = ['jobs:read', 'jobs:write', 'admin', 'finance'] as const
export type Scope = typeof SCOPES[number]

export const DATA_PLANE_SCOPES: readonly Scope[] = ['jobs:read', 'jobs:write']
