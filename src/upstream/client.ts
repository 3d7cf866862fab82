// The TensorPix client: one keep-alive pool to one origin. The master token is added here and nowhere else, and
// because the pool is bound to the configured origin, it can never be sent anywhere else. An answer that echoes it
// back (an error quoting the request, say) has it redacted here, before any route, worker or record sees the answer.
import type { IncomingHttpHeaders } from 'node:http'
import type { Logger } from 'pino'
import type { Readable } from 'node:stream'
import { Pool, errors } from 'undici'
import type { UpstreamTarget } from './target.ts'
import { FairScheduler, SchedulerSaturated } from './fair-scheduler.ts'
import { observeUpstreamCall, upstreamOutcome, type UpstreamOutcome } from '../metrics/registry.ts'

export interface UpstreamOptions {
  connections: number
  maxConcurrent: number
  perSecond: number
  maxQueueWaitMs: number
  connectTimeoutMs: number
  headersTimeoutMs: number
  bodyTimeoutMs: number
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'DELETE'
  path: string // beginning with /api/, query string included
  requestId: string
  body?: string | Buffer | Readable
  contentType?: string
  contentLength?: number
  // accumulates the time spent waiting for TensorPix, so the gateway can report its own overhead apart
  timing?: { upstreamMs: number }
  // whose request this is, for the fair share of upstream capacity; background work shares one queue
  team?: string
  signal?: AbortSignal
}

export interface UpstreamResponse {
  status: number
  headers: IncomingHttpHeaders
  // parsed JSON when upstream sent JSON; null for an empty body (204)
  body: unknown
  // the body as sent, for answers passed through unchanged (no second serialisation)
  text: string
}

/**
 * Why a call produced no answer. `maybeProcessed` is true when the request may have reached TensorPix (it was
 * written, then the answer was lost): for a create, the job may exist, so it must not be retried blindly.
 */
export class UpstreamFailure extends Error {
  constructor (readonly kind: 'timeout' | 'unreachable' | 'reset' | 'bad_response' | 'saturated', readonly maybeProcessed: boolean, cause: unknown) {
    super(`upstream ${kind}`, { cause })
    this.name = 'UpstreamFailure'
  }
}

function classify (err: unknown): UpstreamFailure {
  if (err instanceof errors.ConnectTimeoutError) return new UpstreamFailure('unreachable', false, err)
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError) {
    return new UpstreamFailure('timeout', true, err)
  }
  const code = (err as { code?: string }).code
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new UpstreamFailure('unreachable', false, err)
  return new UpstreamFailure('reset', true, err)
}

export const REDACTED = '[redacted]'

/** `text` with every copy of `token` replaced, as sent and as JSON escapes it; unchanged (the same string) if none. */
export function withoutToken (text: string, token: string): string {
  let result = text
  for (const form of new Set([token, JSON.stringify(token).slice(1, -1)])) result = result.replaceAll(form, REDACTED)
  return result
}

const BACKGROUND = 'gateway'
const DEFAULT_BACKOFF_S = 5

export class UpstreamClient {
  private readonly pool: Pool
  private readonly authorization: string
  private readonly scheduler: FairScheduler
  /**
   * The longest from a request's start to TensorPix's decision on it: a slot in the queue, the connection and the
   * answer's headers (a request older than this, answered or not, was decided, or never sent).
   */
  readonly decidedWithinMs: number
  /** The longest one call can take, its body included. */
  readonly longestCallMs: number

  constructor (readonly target: UpstreamTarget, options: UpstreamOptions,
    private readonly log?: Pick<Logger, 'warn'>) {
    this.decidedWithinMs = options.maxQueueWaitMs + options.connectTimeoutMs + options.headersTimeoutMs
    this.longestCallMs = this.decidedWithinMs + options.bodyTimeoutMs
    this.pool = new Pool(target.baseUrl, {
      connections: options.connections,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      pipelining: 1
    })
    this.authorization = `Token ${target.token}`
    this.scheduler = new FairScheduler({
      maxConcurrent: options.maxConcurrent, perSecond: options.perSecond, maxWaitMs: options.maxQueueWaitMs
    })
  }

  async request (req: UpstreamRequest): Promise<UpstreamResponse> {
    try {
      return await this.scheduler.run(req.team ?? BACKGROUND, async admission => {
        const res = await this.send(req)
        if (res.status === 429) this.scheduler.throttled(admission, retryAfterMs(res))
        return res
      })
    } catch (err) {
      if (!(err instanceof SchedulerSaturated)) throw err
      observeUpstreamCall('saturated')
      throw new UpstreamFailure('saturated', false, err)
    }
  }

  private async send (req: UpstreamRequest): Promise<UpstreamResponse> {
    const headers: Record<string, string> = {
      authorization: this.authorization,
      accept: 'application/json',
      'x-request-id': req.requestId
    }
    if (req.contentType) headers['content-type'] = req.contentType
    if (req.contentLength !== undefined) headers['content-length'] = String(req.contentLength)
    const started = performance.now()
    let outcome: UpstreamOutcome = 'reset'
    try {
      const response = await this.pool.request({
        method: req.method, path: req.path, headers, body: req.body ?? null, signal: req.signal ?? null
      })
      const text = this.redacted(await response.body.text(), req, response.statusCode)
      outcome = upstreamOutcome(response.statusCode)
      return { status: response.statusCode, headers: response.headers, body: parseBody(text, response.headers), text }
    } catch (err) {
      const failure = err instanceof UpstreamFailure ? err : classify(err)
      outcome = failure.kind
      throw failure
    } finally {
      const ms = performance.now() - started
      if (req.timing) req.timing.upstreamMs += ms
      observeUpstreamCall(outcome, ms)
    }
  }

  private redacted (text: string, req: UpstreamRequest, status: number): string {
    const clean = withoutToken(text, this.target.token)
    if (clean !== text) {
      this.log?.warn({ requestId: req.requestId, method: req.method, path: req.path, status },
        'TensorPix echoed the master token in an answer; it was redacted')
    }
    return clean
  }

  close (): Promise<void> {
    return this.pool.close()
  }
}

function retryAfterMs (res: UpstreamResponse): number {
  const seconds = Number(res.headers['retry-after'])
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_BACKOFF_S) * 1000
}

function parseBody (text: string, headers: IncomingHttpHeaders): unknown {
  if (text === '') return null
  const type = String(headers['content-type'] ?? '')
  if (!type.includes('json')) return { detail: text.slice(0, 500) }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new UpstreamFailure('bad_response', true, err)
  }
}
