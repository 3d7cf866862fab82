// Prometheus metrics: every route registered after this plugin gets an observer bound to its pattern and method
// (so the request path does no label lookups), unmatched URLs count under one label, and GET /metrics serves the
// scrape behind an admin or finance key — unless METRICS_PORT moves it to a listener of its own (src/server.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import type { Db } from '../db/client.ts'
import { authorize } from '../routes/admin/index.ts'
import { responses, SECURITY } from '../routes/admin/schemas.ts'
import { routeObserver, startProcessMetrics } from './registry.ts'
import { createScraper, type Scraper } from './scrape.ts'

declare module 'fastify' {
  interface FastifyInstance { metrics: Scraper }
}

export interface MetricsOptions {
  db: Db
  // false when METRICS_PORT serves the scrape on its own listener
  serveOnMainPort: boolean
  stalePendingMs: number
}

const UNMATCHED = '(unmatched)'

type Done = () => void

function asArray<T> (value: T | T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

function instrument (route: RouteOptions) {
  const observers = new Map(asArray(route.method).map(method => [method, routeObserver(method, route.url)]))
  const observe = (request: FastifyRequest, reply: FastifyReply, done: Done) => {
    // request.timing exists on the data plane only
    observers.get(request.method)?.observe(reply.statusCode, reply.elapsedTime, request.timing?.upstreamMs)
    done()
  }
  route.onResponse = [...asArray(route.onResponse), observe]
}

async function metrics (app: FastifyInstance, { db, serveOnMainPort, stalePendingMs }: MetricsOptions) {
  startProcessMetrics()
  const scraper = createScraper({ db, keyCache: app.keyCache, stalePendingMs, log: app.log })
  app.decorate('metrics', scraper)

  app.addHook('onRoute', instrument)
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) routeObserver(request.method, UNMATCHED).observe(reply.statusCode, reply.elapsedTime, undefined)
    done()
  })

  if (!serveOnMainPort) return
  app.get('/metrics', {
    config: { adminAccess: 'read' },
    onRequest: async (request, reply) => authorize(app, request, reply),
    schema: {
      tags: ['operations'],
      security: SECURITY,
      operationId: 'metrics',
      summary: 'Prometheus metrics in the text exposition format (admin or finance key; see METRICS_PORT)',
      response: responses({ 200: { description: 'The exposition', content: { 'text/plain': { schema: Type.String() } } } })
    }
  }, async (_request, reply) => reply.type(scraper.contentType).send(await scraper.scrape()))
}

export default fp(metrics, { name: 'metrics', dependencies: ['auth'] })
