// Forwarding helpers shared by the TensorPix-compatible routes.
import type { FastifyRequest } from 'fastify'
import { UpstreamFailure, type UpstreamClient, type UpstreamRequest, type UpstreamResponse } from '../../upstream/client.ts'
import { answerFor, answerForFailure } from '../../upstream/answers.ts'

/** Calls TensorPix; a failure or an error status becomes the gateway's TensorPix-shaped answer (thrown). */
export async function callUpstream (upstream: UpstreamClient, req: UpstreamRequest, accept: number[] = []): Promise<UpstreamResponse> {
  let res
  try {
    res = await upstream.request(req)
  } catch (err) {
    throw err instanceof UpstreamFailure ? answerForFailure(err) : err
  }
  if (res.status >= 400 && !accept.includes(res.status)) throw answerFor(res)
  return res
}

/** Who a data-plane request's upstream calls are for: request id, time accounting and the team's fair share. */
export function callerOf (request: FastifyRequest): Pick<UpstreamRequest, 'requestId' | 'timing' | 'team'> {
  return { requestId: request.id, timing: request.timing, team: request.principal?.teamId ?? undefined }
}

/** The origin clients reached the gateway at, for pagination links. */
export function gatewayOrigin (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

export interface Page { limit: number, offset: number }

export const DEFAULT_PAGE_SIZE = 100

/** limit/offset links as DRF builds them, on the gateway's own origin. */
export function pageLinks (request: FastifyRequest, count: number, { limit, offset }: Page) {
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
export async function mapBounded<T, R> (items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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
