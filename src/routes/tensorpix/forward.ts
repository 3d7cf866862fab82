// Forwarding helpers shared by the TensorPix-compatible routes: how a TensorPix answer reaches the client, who an
// upstream call is for, and the lists the data plane serves from the gateway's own records.
import type { FastifyRequest } from 'fastify'
import { UpstreamFailure } from '../../upstream/client.ts'
import type { Answer, Caller } from '../../upstream/tensorpix.ts'
import { answerFor, answerForFailure } from '../../upstream/answers.ts'

/**
 * Awaits a TensorPix call; a failure, an error status or a redirect (other than those in `accept`) becomes the
 * gateway's TensorPix-shaped answer, thrown.
 */
export async function passThrough<T> (call: Promise<Answer<T>>, accept: number[] = []): Promise<Answer<T>> {
  let res
  try {
    res = await call
  } catch (err) {
    throw err instanceof UpstreamFailure ? answerForFailure(err) : err
  }
  if (res.status >= 300 && !accept.includes(res.status)) throw answerFor(res)
  return res
}

/** Who a data-plane request's upstream calls are for: request id, time accounting and the team's fair share. */
export function callerOf (request: FastifyRequest): Caller {
  return { requestId: request.id, timing: request.timing, team: request.principal?.teamId ?? undefined }
}

/**
 * The origin clients reach the gateway at, for pagination links: PUBLIC_URL when set; else the host and scheme a
 * trusted proxy forwarded (Fastify reads X-Forwarded-* only from an address TRUST_PROXY names); else the address the
 * connection was accepted on. Never the client's Host header: a link built from it would take the next page's
 * request, key and all, wherever that header said.
 */
export function gatewayOrigin (request: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return new URL(publicUrl).origin
  if (forwardedByTrustedProxy(request)) return `${request.protocol}://${request.host}`
  const { localAddress, localPort } = request.socket
  // an injected request (tests, the OpenAPI build) has no socket address
  if (!localAddress) return `${request.protocol}://localhost`
  const host = localAddress.includes(':') ? `[${localAddress}]` : localAddress
  return `${request.protocol}://${host}:${localPort}`
}

// request.ips (set only with TRUST_PROXY) is the socket's address, then the forwarded ones up to the first address
// not trusted: more than one means a trusted proxy sent the request
function forwardedByTrustedProxy (request: FastifyRequest): boolean {
  return request.headers['x-forwarded-host'] !== undefined && (request.ips?.length ?? 0) > 1
}

export interface Page { limit: number, offset: number }

const DEFAULT_PAGE_SIZE = 100
// upstream reads in flight for one listing
const READ_WIDTH = 8
/**
 * Upstream reads one list request may make, whatever its page size: the rest of the page is shown as last stored.
 * A team's lists cost it at most this many of the shared account's calls (issue 20), and the oldest-read entries go
 * first, so repeated lists bring a whole page up to date in turn.
 */
export const LIST_REFRESHES_PER_REQUEST = 10

/** Where a list was asked for: the request (its URL and origin), its page and the configured public origin. */
export interface ListRequest {
  request: FastifyRequest
  query: { limit?: number, offset?: number }
  publicUrl: string | undefined
}

/** limit/offset links as DRF builds them, on the gateway's own origin. */
function pageLinks ({ request, publicUrl }: ListRequest, count: number, { limit, offset }: Page) {
  const base = new URL(request.url, gatewayOrigin(request, publicUrl))
  const link = (at: number) => {
    const url = new URL(base)
    url.searchParams.set('limit', String(limit))
    if (at > 0) url.searchParams.set('offset', String(at))
    else url.searchParams.delete('offset')
    return url.toString()
  }
  return {
    next: offset + limit < count ? link(offset + limit) : null,
    previous: offset > 0 ? link(Math.max(0, offset - limit)) : null
  }
}

/** Rewrites an upstream absolute link (ml-models pagination) onto the gateway's origin. */
export function rewriteLink (link: unknown, request: FastifyRequest, publicUrl: string | undefined): string | null {
  if (typeof link !== 'string') return null
  const upstreamUrl = new URL(link)
  return new URL(upstreamUrl.pathname + upstreamUrl.search, gatewayOrigin(request, publicUrl)).toString()
}

/** Runs fn over items with at most `width` calls in flight. */
async function mapBounded<T, R> (items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker))
  return results
}

/** The TensorPix id of a row selected with `upstreamId: { not: null }`, which Prisma's types cannot express. */
export function upstreamIdOf (row: { upstreamId: number | null }): number {
  if (row.upstreamId === null) throw new Error('a job without a TensorPix id was listed')
  return row.upstreamId
}

/** What `refresh` answers for a recorded object TensorPix no longer has: left out of the page. */
export const GONE = Symbol('gone')

export interface RecordListing<Row> {
  count: () => Promise<number>
  rows: (page: Page) => Promise<Row[]>
  // the entry as we last stored it, or null when we have none
  stored: (row: Row) => unknown
  // when the stored entry was read from TensorPix (null: never); the oldest are read again first
  refreshedAt: (row: Row) => Date | null
  // whether the entry is worth reading again at all
  stale: (row: Row) => boolean
  // reads the entry from TensorPix and stores it: the fresh entry, or GONE
  refresh: (row: Row) => Promise<unknown>
}

/** The page's stale rows that this request reads afresh: the longest unread first, at most the bound. */
export function rowsToRefresh<Row> (rows: Row[], listing: Pick<RecordListing<Row>, 'stale' | 'refreshedAt'>): Set<Row> {
  const readAt = (row: Row) => listing.refreshedAt(row)?.getTime() ?? 0
  const stale = rows.filter(listing.stale).sort((a, b) => readAt(a) - readAt(b))
  return new Set(stale.slice(0, LIST_REFRESHES_PER_REQUEST))
}

/**
 * A limit/offset page of the team's objects as TensorPix would list them, built from our records (so a team only
 * ever sees its own): at most LIST_REFRESHES_PER_REQUEST entries read afresh, the rest as stored. An entry whose
 * read fails shows as stored; one with nothing stored that was not read is left out of this page.
 */
export async function listFromRecords<Row> (at: ListRequest, listing: RecordListing<Row>) {
  const page = { limit: at.query.limit ?? DEFAULT_PAGE_SIZE, offset: at.query.offset ?? 0 }
  const [count, rows] = await Promise.all([listing.count(), listing.rows(page)])
  const refreshing = rowsToRefresh(rows, listing)
  const entry = async (row: Row): Promise<unknown> => {
    if (!refreshing.has(row)) return listing.stored(row)
    // one entry's failed read (a 429, a full queue, a 5xx) must not fail the page
    return listing.refresh(row).catch((err: unknown) => {
      at.request.log.warn({ err }, 'list: an entry could not be read afresh, the stored one is shown')
      return listing.stored(row)
    })
  }
  const results = await mapBounded(rows, READ_WIDTH, entry)
  return { count, ...pageLinks(at, count, page), results: results.filter(result => result !== GONE && result !== null) }
}
