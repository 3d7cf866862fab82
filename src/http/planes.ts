// The data plane (/api, for services) and the control plane (/admin, /docs, /dashboard, for people) can be served
// on separate listeners: with ADMIN_PORT set, control-plane routes answer only there and data-plane routes only on
// PORT, so a deployment can keep administration off the service network. Routes belong to a plane by being
// registered inside `plane(...)` in app.ts; routes outside both (health checks) answer on every listener.
import http from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'

export type Plane = 'data' | 'control'

declare module 'fastify' {
  interface FastifyContextConfig { plane?: Plane }
  interface FastifyInstance {
    /** Starts the control-plane listener (ADMIN_PORT); resolves to its address. */
    listenAdmin (where: { host: string, port: number }): Promise<{ host: string, port: number }>
  }
}

/** Marks every route the scope (and its children) registers as belonging to `plane`. */
export function markPlane (scope: FastifyInstance, plane: Plane): void {
  scope.addHook('onRoute', route => { route.config = { ...route.config, plane } })
}

export interface SplitListenersOptions { serverOptions: http.ServerOptions, idleTimeoutMs: number }

async function splitListeners (app: FastifyInstance, { serverOptions, idleTimeoutMs }: SplitListenersOptions) {
  const adminSockets = new WeakSet<Socket>()
  let adminServer: http.Server | undefined

  app.addHook('onRequest', (request, reply, done) => {
    const plane = request.routeOptions.config.plane
    if (plane === undefined || (plane === 'control') === adminSockets.has(request.raw.socket)) return done()
    // the route does not exist on this listener: answered by the 404 handler of the route's own scope
    reply.callNotFound()
  })

  app.decorate('listenAdmin', async ({ host, port }: { host: string, port: number }) => {
    // the same request handler as the main listener: one app, one set of hooks, limits and timeouts
    const server = http.createServer(serverOptions, app.routing)
    server.setTimeout(idleTimeoutMs)
    server.on('connection', socket => adminSockets.add(socket))
    adminServer = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host, port }, () => resolve())
    })
    const address = server.address()
    return { host, port: typeof address === 'object' && address ? address.port : port }
  })

  app.addHook('onClose', async () => {
    if (!adminServer) return
    const server = adminServer
    server.closeIdleConnections()
    await new Promise<void>(resolve => server.close(() => resolve()))
  })
}

export const splitListenersPlugin: FastifyPluginAsync<SplitListenersOptions> = fp(splitListeners, { name: 'split-listeners' })
