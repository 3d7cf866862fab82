// The TensorPix-compatible data plane: same paths, bodies, status codes and error shapes as TensorPix, with a
// gateway key instead of the master token. Reads need jobs:read, writes jobs:write, and the key must belong to a
// team (a platform key has no budget to charge). Registered under the /api prefix, which owns its 404s.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import { authenticate } from '../../auth/plugin.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { sendTensorpixError } from './errors.ts'
import { jobRoutes } from './jobs.ts'
import { KnownJobs } from '../../jobs/known-jobs.ts'
import { Balances } from '../../ledger/balance-cache.ts'
import { mediaRoutes } from './media.ts'
import { accountRoutes } from './account.ts'
import { modelRoutes } from './models.ts'
import { historyRoutes } from './history.ts'
import { teamOf, type DataPlaneOptions } from './context.ts'
import { withOwner } from '../../tensorpix/jobs.ts'

export const tensorpixRoutes: FastifyPluginAsyncTypebox<DataPlaneOptions> = async (app, options) => {
  app.setErrorHandler((error, request, reply) => sendTensorpixError(request, reply, error))
  app.setNotFoundHandler((request, reply) => {
    const route = `Route ${request.method} ${request.url.split('?')[0]}`
    return sendTensorpixError(request, reply, new GatewayError('not_found', route))
  })
  await app.register(formbody, { bodyLimit: 64 * 1024 })
  app.decorateRequest('timing', null as unknown as { upstreamMs: number })

  const keyLimiter = app.perMinuteLimiter('key', r => teamOf(r).keyId, r => teamOf(r).limits.keyPerMinute)
  const teamLimiter = app.perMinuteLimiter('team', r => teamOf(r).teamId, r => teamOf(r).limits.teamPerMinute)

  // the tighter of the two limits is what the client sees in X-RateLimit-*
  async function enforceRequestRate (request: FastifyRequest, reply: FastifyReply) {
    const verdicts = (await Promise.all([keyLimiter(request), teamLimiter(request)])).filter(v => v !== null)
    if (verdicts.length === 0) return
    const exceeded = verdicts.find(v => v.exceeded)
    const shown = exceeded ?? verdicts.reduce((a, b) => (b.remaining < a.remaining ? b : a))
    reply.headers({ 'x-ratelimit-limit': shown.limit, 'x-ratelimit-remaining': shown.remaining, 'x-ratelimit-reset': shown.resetS })
    if (exceeded) {
      const retryAfter = { 'retry-after': String(exceeded.resetS) }
      throw new GatewayError('rate_limit_exceeded', exceeded.resetS).with({ headers: retryAfter })
    }
  }

  // answered here rather than thrown: a flood of bad keys should cost no more than a hello-world route
  async function refuse (request: FastifyRequest, reply: FastifyReply) {
    const throttled = await app.refuseUnauthenticated(request)
    const refusal = throttled
      ? new GatewayError('rate_limited', throttled.resetS)
        .with({ headers: { 'retry-after': String(throttled.resetS) } })
      : new GatewayError('unauthorized').with({ headers: { 'www-authenticate': 'Token' } })
    return sendTensorpixError(request, reply, refusal)
  }

  app.addHook('onRequest', async (request, reply) => {
    request.timing = { upstreamMs: 0 }
    const principal = await authenticate(app, request)
    if (!principal) return refuse(request, reply)
    const needed = request.method === 'GET' || request.method === 'HEAD' ? 'jobs:read' : 'jobs:write'
    if (!principal.teamId || !principal.scopes.includes(needed)) {
      throw new GatewayError('forbidden', `a team key with scope ${needed}`)
    }
    await enforceRequestRate(request, reply)
  })
  // TensorPix names the shared master account (its email) as `owner`: every answer of the data plane, read afresh,
  // replayed or listed from our records, shows the team's slug instead
  app.addHook('onSend', async (request, reply, payload) => {
    const slug = request.principal?.teamSlug
    if (!slug || typeof payload !== 'string' || !String(reply.getHeader('content-type')).includes('json')) return payload
    return withOwner(payload, slug)
  })
  app.addHook('onSend', async (request, reply) => {
    const overhead = reply.elapsedTime - (request.timing?.upstreamMs ?? 0)
    reply.header('server-timing', `gateway;dur=${overhead.toFixed(2)}, upstream;dur=${(request.timing?.upstreamMs ?? 0).toFixed(2)}`)
  })

  // not `options` itself: it carries this scope's prefix, which the children would apply a second time
  const shared = {
    db: options.db,
    jobs: new KnownJobs(options.db),
    balances: new Balances(options.db, app.changes),
    defaultHold: options.defaultHold,
    maxUploadBytes: options.maxUploadBytes,
    publicUrl: options.publicUrl,
    polls: options.polls
  }
  await app.register(jobRoutes, shared)
  await app.register(historyRoutes, shared)
  await app.register(mediaRoutes, { ...shared, kind: 'video', path: '/videos/' })
  await app.register(mediaRoutes, { ...shared, kind: 'restored_video', path: '/restored-videos/' })
  await app.register(accountRoutes, shared)
  await app.register(modelRoutes, { publicUrl: options.publicUrl })
}
