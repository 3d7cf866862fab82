// Carries out fault plans on real connections: answers in place of the route, delays, hangs, resets, or lets the
// route run (job created and charged) and then destroys the connection instead of answering.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { readCredentials } from './auth.ts'
import { requestPath, type SimApp, type SimulatorContext } from './context.ts'

const lostResponses = new WeakSet<FastifyRequest>()

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
      case 'hang':
        hang(reply, fault.closeAfterMs)
        return reply
      case 'reset':
        reply.hijack()
        reply.raw.destroy()
        return reply
      case 'lost_response':
        lostResponses.add(request)
    }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    if (lostResponses.has(request)) reply.raw.destroy()
    return payload
  })
}
