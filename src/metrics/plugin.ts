// Prometheus metrics: every route registered after this plugin gets an observer bound to its pattern and method
// (so the request path does no label lookups), and unmatched URLs count under one label. The scrape itself is served
// by src/routes/metrics.ts, or by the METRICS_PORT listener (src/metrics/listener.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { Db } from '../db/client.ts'
import { routeObserver, startProcessMetrics } from './registry.ts'
import { createScraper, type Scraper } from './scrape.ts'

declare module 'fastify' {
  interface FastifyInstance { metrics: Scraper }
}

export interface MetricsOptions {
  db: Db
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

async function metrics (app: FastifyInstance, { db, stalePendingMs }: MetricsOptions) {
  startProcessMetrics()
  const scraper = createScraper({ db, keyLookups: app.keys.lookups, stalePendingMs, log: app.log })
  app.decorate('metrics', scraper)

  app.addHook('onRoute', instrument)
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) routeObserver(request.method, UNMATCHED).observe(reply.statusCode, reply.elapsedTime, undefined)
    done()
  })
}

export default fp(metrics, { name: 'metrics', dependencies: ['auth'] })
