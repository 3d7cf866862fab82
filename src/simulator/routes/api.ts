// The TensorPix-compatible surface under /api/. Hook order mirrors the real stack: infrastructure faults first,
// then authentication, then per-token throttling; every route is owner-scoped to the authenticated account.
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import { authenticate } from '../auth.ts'
import type { SimApp, SimulatorContext } from '../context.ts'
import { detailError } from '../errors.ts'
import { installFaultHooks } from '../fault-injection.ts'
import { balanceRoutes } from './balance.ts'
import { historyRoutes } from './history.ts'
import { jobRoutes } from './jobs.ts'
import { mlModelRoutes } from './ml-models.ts'
import { restoredVideoRoutes } from './restored-videos.ts'
import { videoRoutes } from './videos.ts'

export async function apiRoutes (app: SimApp, ctx: SimulatorContext) {
  installFaultHooks(app, ctx)
  app.addHook('onRequest', async (request) => {
    const account = authenticate(ctx.sim, request)
    const decision = ctx.limiter.hit(account.token, ctx.sim.now())
    if (!decision.allowed) {
      const seconds = decision.retryAfterSeconds
      throw detailError(429, `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? '' : 's'}.`, { 'retry-after': String(seconds) })
    }
    ctx.sim.syncAccount(account)
  })

  balanceRoutes(app)
  mlModelRoutes(app)
  historyRoutes(app, ctx)
  restoredVideoRoutes(app, ctx)
  // Job creation takes JSON, form and multipart fields; uploads stream a file. Each gets its own parser scope.
  await app.register(async scope => {
    // DRF's parsers here are JSON, form and multipart; anything else (text/plain included) is 415.
    scope.removeContentTypeParser('text/plain')
    await scope.register(formbody)
    await scope.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: 0, files: 0 } })
    jobRoutes(scope, ctx)
  })
  await app.register(async scope => {
    await scope.register(multipart, { limits: { fileSize: ctx.options.maxUploadBytes, files: 1 } })
    videoRoutes(scope, ctx)
  })
}
