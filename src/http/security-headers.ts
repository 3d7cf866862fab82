// Response headers by plane. The control plane's pages and JSON get helmet's set with a CSP that allows nothing
// (pages that need more, such as /docs, send their own). The data plane must stay byte-compatible with TensorPix,
// so it adds only `x-content-type-options: nosniff`, and CORS stays closed unless CORS_ORIGINS names origins.
import type { FastifyInstance } from 'fastify'
import helmet from '@fastify/helmet'
import cors from '@fastify/cors'

export async function controlPlaneHeaders (scope: FastifyInstance) {
  await scope.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    // the control plane may be served on plain http inside a private network; HSTS is the TLS terminator's call
    strictTransportSecurity: false
  })
}

export interface DataPlaneHeadersOptions { corsOrigins?: string | undefined }

// what a browser client of the data plane needs to send and to read
const CORS_REQUEST_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-request-id']
const CORS_EXPOSED_HEADERS = ['x-request-id', 'x-credits-remaining', 'x-credits-held', 'x-budget-alert', 'retry-after',
  'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'server-timing']

export async function dataPlaneHeaders (scope: FastifyInstance, { corsOrigins }: DataPlaneHeadersOptions) {
  scope.addHook('onRequest', (_request, reply, done) => {
    reply.header('x-content-type-options', 'nosniff')
    done()
  })
  if (!corsOrigins) return
  await scope.register(cors, {
    origin: corsOrigins.split(','),
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: CORS_REQUEST_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    // keys travel in the Authorization header, never in cookies
    credentials: false,
    maxAge: 600
  })
}
