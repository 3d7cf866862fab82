// The control plane under /admin/v1: every route here needs an admin or finance key, answers errors in the
// gateway envelope, and declares what it needs (config.adminAccess) next to its schema.
import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from 'fastify'
import { TypeBoxValidatorCompiler, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { TSchema } from 'typebox'
import { Settings } from 'typebox/system'
import { authenticate } from '../../auth/plugin.ts'
import type { Db } from '../../db/client.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { ADMIN_ACCESS, allows, isControlPlaneKey, type AdminAccess } from '../../admin/access.ts'
import { JobService } from '../../admin/jobs/service.ts'
import { KeyService } from '../../admin/keys/service.ts'
import { TeamService } from '../../admin/teams/service.ts'
import { UsageService } from '../../admin/usage/service.ts'
import { AccountService } from '../../admin/account/service.ts'
import { ReportService } from '../../reports/service.ts'
import { accountRoutes } from './account.ts'
import { auditRoutes } from './audit.ts'
import { budgetRoutes } from './budget.ts'
import { jobRoutes } from './jobs.ts'
import { keyRoutes } from './keys.ts'
import { reportRoutes } from './reports.ts'
import type { AdminServices } from './services.ts'
import { teamRoutes } from './teams.ts'
import { usageRoutes } from './usage.ts'
import { webhookRoutes } from './webhooks.ts'
import { WebhookService } from '../../webhooks/service.ts'
import type { OutboundPolicy } from '../../net/outbound.ts'
import { whoamiRoutes } from './whoami.ts'

declare module 'fastify' {
  interface FastifyContextConfig { adminAccess?: AdminAccess }
}

// TypeBox stops after 8 errors by default; a 400 must name every offending field.
Settings.Set({ maxErrors: 100 })

export interface AdminRoutesOptions { db: Db, outbound: OutboundPolicy }

/**
 * TypeBox instead of the app's ajv here: ajv's removeAdditional would silently drop a misspelt policy field, where
 * the control plane must refuse it and name it. An absent body counts as {} so that optional bodies can be left out.
 */
const validatorCompiler: FastifySchemaCompiler<TSchema> = route => {
  const validate = TypeBoxValidatorCompiler(route)
  return route.httpPart === 'body' ? (value: unknown) => validate(value ?? {}) : validate
}

/** The control plane's key check: 401 without a valid key, 403 unless it carries the route's `adminAccess`. */
export async function authorize (app: FastifyInstance, request: FastifyRequest) {
  const principal = await authenticate(app, request)
  if (!principal) {
    const throttled = await app.refuseUnauthenticated(request)
    if (throttled) {
      const retryAfter = { 'retry-after': String(throttled.resetS) }
      throw new GatewayError('rate_limited', throttled.resetS).with({ headers: retryAfter })
    }
    throw new GatewayError('unauthorized').with({ headers: { 'www-authenticate': 'Bearer' } })
  }
  // a route that forgot to declare its access is treated as the strictest
  const access = request.routeOptions.config.adminAccess ?? 'manage'
  if (!isControlPlaneKey(principal.scopes) || !allows(principal.scopes, access)) {
    throw new GatewayError('forbidden', `a key with scope ${ADMIN_ACCESS[access]}`)
  }
}

export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (app, { db, outbound }) => {
  app.setValidatorCompiler(validatorCompiler)
  app.addHook('onRequest', async request => authorize(app, request))

  const services: AdminServices = {
    teams: new TeamService(db, app.modelCatalog),
    keys: new KeyService(db),
    usage: new UsageService(db),
    webhooks: new WebhookService(db, outbound),
    jobs: new JobService(db),
    reports: new ReportService(db, app.modelCatalog),
    account: new AccountService(db),
    db
  }
  await app.register(teamRoutes, services)
  await app.register(keyRoutes, services)
  await app.register(usageRoutes, services)
  await app.register(budgetRoutes, services)
  await app.register(auditRoutes, services)
  await app.register(webhookRoutes, services)
  await app.register(jobRoutes, services)
  await app.register(whoamiRoutes)
  await app.register(reportRoutes, services)
  await app.register(accountRoutes, services)
}

export default adminRoutes
