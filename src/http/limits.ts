// Limits on everything a client controls: header and URL size, body size and nesting, text the database can
// store, and how long a client may take to send its request. The README's limits table lists each one. Uploads
// stream for as long as bytes keep moving (the idle timeout), so they are exempt from the body deadline: their
// routes declare `streamsBody`.
import http from 'node:http'
import type { Socket } from 'node:net'
import { errorCodes, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { unstorableText } from '../errors/problems.ts'
import { tensorpixAnswer } from '../tensorpix/errors.ts'
import { gatewayAnswer } from './errors.ts'

declare module 'fastify' {
  interface FastifyContextConfig { streamsBody?: boolean }
}

/** TensorPix bodies are a URL of at most 2048 characters and a few options: 64 KiB is generous. */
export const DATA_PLANE_BODY_BYTES = 64 * 1024
/** Deepest JSON nesting accepted; the deepest legitimate body (a team with its policies) has 3 levels. */
export const MAX_JSON_DEPTH = 32
// how often Node looks for connections past their headers deadline: the precision of HEADERS_TIMEOUT_MS
const CONNECTION_CHECK_MS = 500

type LimitSettings = Pick<Config, 'MAX_HEADER_BYTES' | 'MAX_BODY_BYTES' | 'HEADERS_TIMEOUT_MS' | 'IDLE_TIMEOUT_MS' | 'KEEP_ALIVE_TIMEOUT_MS'>

/** Options for any HTTP server that serves the app (the main listener and ADMIN_PORT's). */
export function httpServerOptions (config: LimitSettings): http.ServerOptions {
  return {
    maxHeaderSize: config.MAX_HEADER_BYTES,
    headersTimeout: config.HEADERS_TIMEOUT_MS,
    // a whole-request deadline would cut long uploads off; bodies get their own (bodyDeadline below)
    requestTimeout: 0,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: CONNECTION_CHECK_MS
  }
}

export function fastifyLimitOptions (config: LimitSettings) {
  return {
    bodyLimit: config.MAX_BODY_BYTES,
    http: httpServerOptions(config),
    requestTimeout: 0,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    connectionTimeout: config.IDLE_TIMEOUT_MS,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerRouterError
  }
}

/**
 * URLs the router refuses before any route (and so any plane's error handler) is known: a path parameter over
 * maxParamLength (414) or malformed percent-encoding (400). Answered in the shape of the plane the path is under.
 */
export function answerRouterError (error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const refusal = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? new GatewayError('uri_too_long', error.message)
    : new GatewayError('bad_url', error.message)
  const answer = request.url.startsWith('/api/')
    ? tensorpixAnswer(refusal, { id: request.id })
    : gatewayAnswer(refusal, request.id)
  return reply.code(answer.status).header('x-request-id', request.id).header('x-content-type-options', 'nosniff')
    .send(answer.body)
}

const CLIENT_ERRORS: Record<string, 'headers_too_large' | 'request_timeout'> = {
  HPE_HEADER_OVERFLOW: 'headers_too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout'
}

/**
 * Errors Node's HTTP parser raises before a request has a path (oversized headers, headers too slow, garbage):
 * answered in TensorPix's {detail} shape, since no route, and so no plane, is known yet.
 */
export function answerClientError (err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const answer = tensorpixAnswer(new GatewayError(CLIENT_ERRORS[err.code ?? ''] ?? 'malformed_request'))
  const body = JSON.stringify(answer.body)
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${body.length}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}

/** Whether the JSON text nests arrays and objects deeper than `max`: one pass, no recursion, strings skipped. */
export function jsonDeeperThan (text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) {
      inString = true
    } else if (c === 123 || c === 91) {
      if (++depth > max) return true
    } else if (c === 125 || c === 93) {
      depth--
    }
  }
  return false
}

/**
 * Refuses a request whose parameters, query or body hold text PostgreSQL cannot store, which would otherwise fail
 * in the database as a 500. Runs once the schema has accepted the request (multipart fields attached, values
 * coerced: what the handler gets), so a request the schema refuses hears only of that, as DRF words it (a URL with
 * a NUL is "Enter a valid URL."). Throws what a failed validation throws, so each plane's error handler words it
 * like a schema's complaint.
 */
export async function refuseUnstorableText (request: FastifyRequest): Promise<void> {
  const parts = [['params', request.params], ['querystring', request.query], ['body', request.body]] as const
  for (const [context, value] of parts) {
    const issues = unstorableText(value)
    if (issues.length === 0) continue
    const error = new errorCodes.FST_ERR_VALIDATION(`${context} holds text that cannot be stored`)
    throw Object.assign(error, { validation: issues, validationContext: context })
  }
}

export interface LimitsOptions { maxUrlLength: number, bodyTimeoutMs: number }

const hasBody = (headers: http.IncomingHttpHeaders) =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')

async function limits (app: FastifyInstance, { maxUrlLength, bodyTimeoutMs }: LimitsOptions) {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDeeperThan(body as string, MAX_JSON_DEPTH)) {
      return done(new GatewayError('malformed_body', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined)
    }
    parseJson(request, body as string, done)
  })

  app.addHook('preHandler', refuseUnstorableText)

  app.addHook('onRequest', (request, _reply, done) => {
    if ((request.raw.url?.length ?? 0) > maxUrlLength) {
      return done(new GatewayError('uri_too_long', `Request URL longer than ${maxUrlLength} characters`))
    }
    if (request.routeOptions.config.streamsBody || !hasBody(request.headers)) return done()
    // a client that trickles its body would hold a connection and a request slot for as long as it liked
    const raw = request.raw
    const deadline = setTimeout(() => { if (!raw.complete) raw.destroy() }, bodyTimeoutMs)
    deadline.unref()
    raw.once('end', () => clearTimeout(deadline))
    done()
  })
}

export default fp(limits, { name: 'limits' })
