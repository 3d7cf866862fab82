// buildSimulator wires one simulator instance: shared context, TensorPix's error shapes, the /api/ surface, the
// media store and (optionally) the /__sim/ control API.
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { createClock } from './clock.ts'
import type { SimApp, SimulatorContext } from './context.ts'
import { requestPath } from './context.ts'
import { TensorPixError } from './errors.ts'
import { createFaultEngine } from './faults.ts'
import { createMediaSigner } from './media.ts'
import { resolveOptions, type SimulatorOptions } from './options.ts'
import { createStateSaver, loadState } from './persistence.ts'
import { createRateLimiter } from './rate-limit.ts'
import { apiRoutes } from './routes/api.ts'
import { controlRoutes } from './routes/control.ts'
import { mediaRoutes } from './routes/media.ts'
import { Simulation } from './simulation.ts'

function handleError (error: FastifyError | TensorPixError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof TensorPixError) return reply.code(error.statusCode).headers(error.headers).send(error.body)
  const control = requestPath(request).startsWith('/__sim/')
  // Only the control API lets Fastify throw schema errors; the job routes merge theirs into a ValidationError.
  if (error.validation) return reply.code(400).send({ detail: error.message })
  const status = error.statusCode ?? 500
  if (status >= 500) {
    request.log.error({ err: error }, 'simulator error')
    return reply.code(500).send({ detail: 'A server error occurred.' })
  }
  // Body parse failures on the data plane keep the ValidationError shape that 400 has everywhere in TensorPix.
  if (status === 400 && !control) return reply.code(400).send({ errors: {}, non_field_errors: [`Parse error - ${error.message}`] })
  return reply.code(status).send({ detail: error.message })
}

/** stateFile: load it now, save after every answer (state also moves on reads, as jobs progress) and on close. */
function keepState (app: SimApp, ctx: SimulatorContext, file: string) {
  loadState(ctx.sim, file, ctx.options.tokens)
  const saver = createStateSaver(ctx.sim, file, err => app.log.error({ err, file }, 'simulator state not saved'))
  app.addHook('onSend', async () => { saver.schedule() })
  app.addHook('onClose', async () => { await saver.flush() })
}

export async function buildSimulator (options: SimulatorOptions): Promise<SimApp> {
  const resolved = resolveOptions(options)
  const app = Fastify({
    logger: resolved.logger ?? false,
    forceCloseConnections: true,
    ajv: { customOptions: { allErrors: true, removeAdditional: false, useDefaults: false } }
  }).withTypeProvider<TypeBoxTypeProvider>()

  const ctx: SimulatorContext = {
    options: resolved,
    sim: new Simulation(resolved, createClock(resolved.clock)),
    faults: createFaultEngine(resolved.seed, resolved.faults),
    limiter: createRateLimiter(resolved.requestsPerMinute),
    signer: createMediaSigner(resolved.mediaUrlTtlSeconds)
  }

  if (resolved.stateFile) keepState(app, ctx, resolved.stateFile)
  app.setErrorHandler(handleError)
  // [I] Django's APPEND_SLASH: a known API path without its trailing slash is redirected, never served.
  app.setNotFoundHandler((request, reply) => {
    const path = requestPath(request)
    if (path.startsWith('/api/') && !path.endsWith('/')) {
      return reply.code(301).header('location', `${path}/${request.url.slice(path.length)}`).send()
    }
    return reply.code(404).send({ detail: 'Not found.' })
  })

  await app.register(async scope => apiRoutes(scope, ctx), { prefix: '/api' })
  await app.register(async scope => mediaRoutes(scope, ctx))
  if (resolved.controlApi) await app.register(async scope => controlRoutes(scope, ctx), { prefix: '/__sim' })
  await app.ready()
  return app
}
