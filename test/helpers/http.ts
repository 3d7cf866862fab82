// One HTTP client for every test. The same calls go over a real socket (fetch, to an origin) or through Fastify's
// inject (to an app: no socket, no port), with a key sent as `Token` (TensorPix's keyword, the data plane's) or
// `Bearer` (the control plane's), and every answer reads the same whichever way it travelled, so a test can move
// between the two without rewriting its assertions.
import type { InjectOptions, LightMyRequestResponse } from 'fastify'

export type Doc = Record<string, unknown>

/** An answer; `B` is what the test expects the body to be (nothing checks it: the assertions do). */
export interface Answer<B = Doc> {
  status: number
  headers: Headers
  /** the parsed JSON body: {} when empty, {text} when it is not JSON */
  body: B
  /** body.results when the answer is a list page, else [] */
  list: Doc[]
  /** the body as it came */
  text: string
}

export type Payload =
  | { json: unknown }
  | { form: URLSearchParams }
  | { multipart: { payload: Buffer, contentType: string } }
  | { raw: Buffer | string, contentType?: string }

export type HeaderMap = Record<string, string>

export interface Client {
  /** the origin of a socket client; 'inject:' for an inject client */
  origin: string
  call<B = Doc> (method: string, path: string, payload?: Payload, headers?: HeaderMap): Promise<Answer<B>>
  get<B = Doc> (path: string, headers?: HeaderMap): Promise<Answer<B>>
  post<B = Doc> (path: string, payload?: Payload, headers?: HeaderMap): Promise<Answer<B>>
  patch<B = Doc> (path: string, payload?: Payload, headers?: HeaderMap): Promise<Answer<B>>
  delete<B = Doc> (path: string, headers?: HeaderMap): Promise<Answer<B>>
}

/** What inject needs of an app (the gateway's or the simulator's). */
export interface Injectable { inject (options: InjectOptions): Promise<LightMyRequestResponse> }

interface Request { method: string, path: string, headers: HeaderMap, body: string | Buffer | undefined }
type Transport = (request: Request) => Promise<{ status: number, headers: Headers, text: string }>

/**
 * A client of `target` (an origin such as http://127.0.0.1:8080, or an app to inject into) that sends
 * `Authorization: <scheme> <key>`, or no Authorization at all when key is null. The scheme is free text because
 * tests also send odd keywords on purpose.
 */
export function client (target: string | Injectable, key: string | null, scheme = 'Token'): Client {
  const transport = typeof target === 'string' ? overFetch(target) : overInject(target)
  const call = async <B = Doc>(method: string, path: string, payload?: Payload, extra: HeaderMap = {}) => {
    const headers: HeaderMap = { ...contentHeaders(payload), ...extra }
    if (key !== null) headers.authorization = `${scheme} ${key}`
    const res = await transport({ method, path, headers, body: encode(payload) })
    return answerOf<B>(res.status, res.headers, res.text)
  }
  return {
    origin: typeof target === 'string' ? target : 'inject:',
    call,
    get: (path, headers) => call('GET', path, undefined, headers),
    post: (path, payload, headers) => call('POST', path, payload, headers),
    patch: (path, payload, headers) => call('PATCH', path, payload, headers),
    delete: (path, headers) => call('DELETE', path, undefined, headers)
  }
}

/** The answers counted by status, e.g. { 201: 37, 402: 163 }. */
export function countStatuses (answers: ReadonlyArray<{ status: number }>): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1
  return counts
}

// redirects are answers under test (presigned downloads, the master token's origin), never followed
function overFetch (origin: string): Transport {
  return async ({ method, path, headers, body }) => {
    const init: RequestInit = { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }) }
    const res = await fetch(`${origin}${path}`, init)
    return { status: res.status, headers: res.headers, text: await res.text() }
  }
}

function overInject (app: Injectable): Transport {
  return async ({ method, path, headers, body }) => {
    const res = await app.inject({
      method: method as InjectOptions['method'], url: path, headers, ...(body === undefined ? {} : { payload: body })
    })
    const fetched = new Headers()
    for (const [name, value] of Object.entries(res.headers)) {
      for (const one of [value ?? []].flat()) fetched.append(name, String(one))
    }
    return { status: res.statusCode, headers: fetched, text: res.body }
  }
}

function contentHeaders (payload: Payload | undefined): HeaderMap {
  if (!payload) return {}
  if ('json' in payload) return { 'content-type': 'application/json' }
  if ('form' in payload) return { 'content-type': 'application/x-www-form-urlencoded' }
  if ('multipart' in payload) return { 'content-type': payload.multipart.contentType }
  return payload.contentType ? { 'content-type': payload.contentType } : {}
}

function encode (payload: Payload | undefined): string | Buffer | undefined {
  if (!payload) return undefined
  if ('json' in payload) return JSON.stringify(payload.json)
  if ('form' in payload) return payload.form.toString()
  if ('multipart' in payload) return payload.multipart.payload
  return payload.raw
}

function answerOf<B> (status: number, headers: Headers, text: string): Answer<B> {
  let parsed: unknown = null
  if (text) {
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = { text }
    }
  }
  const body = (parsed ?? {}) as Doc
  return { status, headers, body: body as B, list: Array.isArray(body.results) ? body.results as Doc[] : [], text }
}
