// The dashboard at /dashboard: one HTML page and its assets, under helmet's security headers and a strict
// Content-Security-Policy. Each route carries its own helmet settings, so a scope that already runs helmet (with a
// stricter CSP for JSON) applies the dashboard's to these routes; otherwise helmet is registered here, for these
// routes only, and no other route's answers change.
import helmet from '@fastify/helmet'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { GatewayError } from '../errors/gateway-error.ts'
import { dashboardAssets } from '../dashboard/bundle.ts'
import { DASHBOARD_CSP } from '../dashboard/csp.ts'

const PAGES = ['/', '/app.js', '/dashboard.css', '/icon.svg'] as const

const HELMET = {
  contentSecurityPolicy: { useDefaults: false, directives: DASHBOARD_CSP },
  // the gateway is often reached over plain http inside a company network; HSTS is the TLS terminator's call
  strictTransportSecurity: false
}

async function send (reply: FastifyReply, name: string) {
  const assets = await dashboardAssets().catch((err: unknown) => {
    reply.log.error({ err }, 'dashboard assets could not be built')
    throw new GatewayError('dashboard_unavailable')
  })
  const asset = assets.get(name)
  if (!asset) throw new GatewayError('not_found', `Dashboard asset ${name}`)
  // revalidated on every load, so a new release is never served from a stale cache
  return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body)
}

export async function dashboardRoutes (app: FastifyInstance) {
  if (!app.hasReplyDecorator('helmet')) await app.register(helmet, { global: false })
  for (const page of PAGES) {
    app.get(page, { schema: { hide: true }, helmet: HELMET }, async (_request, reply) =>
      send(reply, page === '/' ? 'index.html' : page.slice(1)))
  }
}

export default dashboardRoutes
