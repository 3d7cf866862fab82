// Carries out fault plans on real connections: answers in place of the route, delays, hangs, resets, or lets the
// route run (job created and charged) and then destroys the connection, answers an error, or answers its success
// with a body nobody can read, instead of the route's answer.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { readCredentials } from './auth.ts'
import { requestPath, type SimApp, type SimulatorContext } from './context.ts'
import type { TerminalFault } from './faults.ts'

// faults that let the route run, then change what it answers
type AfterRoute = Extract<TerminalFault, { kind: 'lost_response' | 'commit_then_error' | 'malformed_success' }>
const afterRoute = new WeakMap<FastifyRequest, AfterRoute>()

// where a redirect fault points by default: a reserved name that never resolves (RFC 2606)
const ELSEWHERE = 'http://redirect.invalid'

const proxyPage = (status: number, detail: string) =>
  `<html><head><title>${status} ${detail}</title></head><body><h1>${status} ${detail}</h1></body></html>`

/**
 * The answer that replaces the route's. Only a route that succeeded committed anything: its refusals (400, 402,
 * the simulator's own 429) are answered as they are.
 */
function replacement (fault: AfterRoute, reply: FastifyReply, payload: unknown): unknown {
  if (fault.kind !== 'lost_response' && reply.statusCode >= 300) return payload
  switch (fault.kind) {
    case 'lost_response':
      reply.raw.destroy()
      return payload
    case 'commit_then_error':
      reply.code(fault.status)
      if (!fault.html) return JSON.stringify({ detail: fault.detail })
      reply.type('text/html')
      return proxyPage(fault.status, fault.detail)
    case 'malformed_success':
      if (fault.body === 'html') {
        reply.type('text/html')
        return proxyPage(reply.statusCode, 'OK')
      }
      if (fault.body === 'truncated') {
        const text = String(payload)
        return text.slice(0, Math.max(1, Math.floor(text.length / 2)))
      }
      return JSON.stringify({ status: 0 })
  }
}

function hang (reply: FastifyReply, closeAfterMs: number | null) {
  reply.hijack()
  if (closeAfterMs !== null) setTimeout(() => reply.raw.destroy(), closeAfterMs).unref()
}

export function installFaultHooks (app: SimApp, ctx: SimulatorContext) {
  app.addHook('onRequest', async (request, reply) => {
    const credentials = readCredentials(request.headers.authorization)
    const plan = ctx.faults.plan({
      method: request.method,
      routeUrl: request.routeOptions.url ?? '',
      path: requestPath(request),
      token: 'token' in credentials ? credentials.token : null
    })
    if (plan.delayMs > 0) await sleep(plan.delayMs)
    const fault = plan.terminal
    if (!fault) return
    request.log.info({ fault: fault.kind }, 'simulated fault')
    switch (fault.kind) {
      case 'error':
        return reply.code(fault.status).send({ detail: fault.detail })
      case 'rate_limit':
        return reply.code(429).header('retry-after', String(fault.retryAfterSeconds)).send({ detail: fault.detail })
      case 'redirect':
        // as a load balancer sending http:// to https://, or a moved host: an empty body and a Location
        return reply.code(fault.status).header('location', fault.location ?? `${ELSEWHERE}${request.url}`).send()
      case 'hang':
        hang(reply, fault.closeAfterMs)
        return reply
      case 'reset':
        reply.hijack()
        reply.raw.destroy()
        return reply
      case 'lost_response':
      case 'commit_then_error':
      case 'malformed_success':
        afterRoute.set(request, fault)
    }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const fault = afterRoute.get(request)
    return fault ? replacement(fault, reply, payload) : payload
  })
}
