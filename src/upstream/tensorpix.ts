// The TensorPix API as the gateway calls it: one method per endpoint, each path built here and nowhere else, each
// answer typed by what its endpoint returns on success. Bodies are not validated here: `ok` says whether the status
// is the endpoint's success, and only then is `body` the success type. Everything else about the call (the master
// token, the pool, the fair scheduler, timeouts, metrics) is the transport's (client.ts).
import type { Readable } from 'node:stream'
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from './client.ts'
import type { CreateRequest } from '../tensorpix/requests.ts'
import type { CreatedJob, MediaObject, MlModel, Page, TensorpixJob } from '../tensorpix/jobs.ts'

/** Who a call is for: its request id, the time accounting of the request it serves, the team's fair share. */
export type Caller = Pick<UpstreamRequest, 'requestId' | 'timing' | 'team' | 'signal'>

export type Answer<T> = (UpstreamResponse & { ok: true, body: T }) | (UpstreamResponse & { ok: false })

export type MediaKind = 'video' | 'restored_video'

const CREATE_PATHS = { 'from-url': '/api/jobs/from-url/', upload: '/api/jobs/' } as const
const MEDIA_PATHS = { video: '/api/videos/', restored_video: '/api/restored-videos/' } as const

const isOk = (status: number) => status === 200
const is2xx = (status: number) => status >= 200 && status < 300

function withQuery (path: string, query: Record<string, number | undefined>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value))
  return search.size ? `${path}?${search}` : path
}

export class TensorpixApi {
  constructor (private readonly transport: UpstreamClient) {}

  /** The longest from a request's start to TensorPix's decision on it (UpstreamClient.decidedWithinMs). */
  get decidedWithinMs (): number {
    return this.transport.decidedWithinMs
  }

  /** The longest one call can take, its body included (UpstreamClient.longestCallMs). */
  get longestCallMs (): number {
    return this.transport.longestCallMs
  }

  createJob ({ source, body }: CreateRequest, caller: Caller): Promise<Answer<CreatedJob>> {
    const path = CREATE_PATHS[source]
    return this.call({ method: 'POST', path, body: JSON.stringify(body), contentType: 'application/json', ...caller }, is2xx)
  }

  getJob (id: number, caller: Caller): Promise<Answer<TensorpixJob>> {
    return this.call({ method: 'GET', path: `/api/jobs/${id}/`, ...caller }, isOk)
  }

  cancelJob (id: number, caller: Caller): Promise<Answer<null>> {
    return this.call({ method: 'DELETE', path: `/api/jobs/${id}/`, ...caller }, is2xx)
  }

  listJobs (page: { limit?: number, offset?: number }, caller: Caller): Promise<Answer<Page<TensorpixJob>>> {
    return this.call({ method: 'GET', path: withQuery('/api/jobs/', page), ...caller }, isOk)
  }

  /** A job in TensorPix's flatter history view (its own shape, passed to clients as it is). */
  getHistoryJob (id: number, caller: Caller): Promise<Answer<unknown>> {
    return this.call({ method: 'GET', path: `/api/jobs/history/${id}/`, ...caller }, isOk)
  }

  getMedia (kind: MediaKind, id: number, caller: Caller): Promise<Answer<MediaObject>> {
    return this.call({ method: 'GET', path: `${MEDIA_PATHS[kind]}${id}/`, ...caller }, isOk)
  }

  deleteMedia (kind: MediaKind, id: number, caller: Caller): Promise<Answer<null>> {
    return this.call({ method: 'DELETE', path: `${MEDIA_PATHS[kind]}${id}/`, ...caller }, is2xx)
  }

  /** Streams a multipart body (a `file` part) to TensorPix as it arrives. */
  uploadVideo (
    body: Readable,
    form: { contentType: string, contentLength?: number },
    caller: Caller
  ): Promise<Answer<MediaObject>> {
    return this.call({ method: 'POST', path: MEDIA_PATHS.video, body, ...form, ...caller }, is2xx)
  }

  listModels (page: { page?: number, page_size?: number }, caller: Caller): Promise<Answer<Page<MlModel>>> {
    return this.call({ method: 'GET', path: withQuery('/api/ml-models/', page), ...caller }, isOk)
  }

  /** The master account's balance: never shown to a team (the data plane answers with the team's budget). */
  balance (caller: Caller): Promise<Answer<{ balance_usd: string }>> {
    return this.call({ method: 'GET', path: '/api/accounts/profile/balance/', ...caller }, isOk)
  }

  close (): Promise<void> {
    return this.transport.close()
  }

  private async call<T> (request: UpstreamRequest, success: (status: number) => boolean): Promise<Answer<T>> {
    const res = await this.transport.request(request)
    return { ...res, ok: success(res.status) } as Answer<T>
  }
}
