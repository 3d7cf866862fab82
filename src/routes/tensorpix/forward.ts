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

/** The origin clients reached the gateway at, for pagination links. */
export function gatewayOrigin (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

export interface Page { limit: number, offset: number }

const DEFAULT_PAGE_SIZE = 100
// upstream reads in flight for one listing
const READ_WIDTH = 8

/** limit/offset links as DRF builds them, on the gateway's own origin. */
function pageLinks (request: FastifyRequest, count: number, { limit, offset }: Page) {
  const base = new URL(request.url, gatewayOrigin(request))
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
export function rewriteLink (link: unknown, request: FastifyRequest): string | null {
  if (typeof link !== 'string') return null
  const upstreamUrl = new URL(link)
  return new URL(upstreamUrl.pathname + upstreamUrl.search, gatewayOrigin(request)).toString()
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

/** What `read` answers for a recorded object TensorPix no longer has: left out of the page. */
export const GONE = Symbol('gone')

export interface RecordListing<Row> {
  count: () => Promise<number>
  rows: (page: Page) => Promise<Row[]>
  // the entry TensorPix shows for one of our rows (from our snapshot, or read afresh)
  read: (row: Row) => Promise<unknown>
}

/**
 * A limit/offset page of the team's objects as TensorPix would list them, built from our records (so a team only
 * ever sees its own), each entry read through `read` with a bounded number of upstream calls in flight.
 */
export async function listFromRecords<Row> (request: FastifyRequest, query: { limit?: number, offset?: number },
  listing: RecordListing<Row>) {
  const page = { limit: query.limit ?? DEFAULT_PAGE_SIZE, offset: query.offset ?? 0 }
  const [count, rows] = await Promise.all([listing.count(), listing.rows(page)])
  const results = await mapBounded(rows, READ_WIDTH, listing.read)
  return { count, ...pageLinks(request, count, page), results: results.filter(entry => entry !== GONE) }
}
