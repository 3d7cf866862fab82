// The shape of a control-plane page, apart from the cursor arithmetic (pagination.ts, which needs Node's Buffer),
// so that the dashboard's browser code can type its answers against it.
export interface PageRequest { limit: number, cursor?: string | undefined, offset?: number | undefined }
export interface Page<T> { items: T[], nextCursor: string | null }
