// Request ids and the one log line per request. An incoming x-request-id is kept when it is a sane token (so
// callers can correlate), otherwise replaced, and every answer carries it back.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function requestIdFor (request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && ACCEPTABLE_REQUEST_ID.test(given) ? given : `req_${randomUUID()}`
}

/**
 * Whose key made the request, for the access log; set by the auth layer. Not the audit log's Actor
 * (src/admin/actor.ts).
 */
export interface RequestCaller { team?: string, keyPrefix?: string }

declare module 'fastify' {
  interface FastifyRequest {
    caller?: RequestCaller
    /** set when the request is accounted for elsewhere (refused keys are summarised, not logged one by one) */
    skipAccessLog: boolean
  }
}

function accessLogFields (request: FastifyRequest, statusCode: number, durationMs: number) {
  return {
    method: request.method,
    route: request.routeOptions.url ?? null,
    url: request.url,
    status: statusCode,
    durationMs: Math.round(durationMs * 100) / 100,
    team: request.caller?.team ?? null,
    keyPrefix: request.caller?.keyPrefix ?? null
  }
}

async function requestContext (app: FastifyInstance) {
  app.decorateRequest('skipAccessLog', false)
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
  app.addHook('onResponse', (request, reply, done) => {
    if (!request.skipAccessLog) request.log.info(accessLogFields(request, reply.statusCode, reply.elapsedTime), 'request')
    done()
  })
}

export default fp(requestContext, { name: 'request-context' })
