// The OpenAPI document is generated from the route schemas; `npm run openapi` writes it to openapi/gateway.json
// and a test fails when the checked-in copy is stale. The document is built at the root (it sees every route); its
// UI at /docs is a control-plane page, registered with the control plane in app.ts.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

export interface OpenApiOptions { version: string }

async function openapi (app: FastifyInstance, { version }: OpenApiOptions) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tensorpix-gateway',
        version,
        description: 'TensorPix-compatible data plane (/api/…) and the gateway control plane (/admin/v1/…).'
      },
      components: {
        securitySchemes: {
          tokenAuth: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Token <gateway key>' },
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'Bearer <gateway key>' }
        }
      },
      tags: [
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'tensorpix', description: 'TensorPix-compatible data plane' },
        { name: 'admin', description: 'Teams, keys, budgets, audit' },
        { name: 'reports', description: 'Finance reports' },
        { name: 'operations', description: 'Prometheus metrics' }
      ]
    }
  })
}

// Swagger UI's own CSP with hashes of its inline scripts, minus upgrade-insecure-requests, which would break the
// page on a plain-http loopback deployment, and with frame-ancestors 'none' like every control-plane page instead
// of its 'self' (nothing frames the docs, and there is no OAuth flow whose redirect page would be framed)
const docsCsp = (csp: string) => csp
  .replace(/\s*upgrade-insecure-requests;?/, '')
  .replace(/frame-ancestors [^;]*/, "frame-ancestors 'none'")

export async function docsUi (app: FastifyInstance) {
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: docsCsp })
}

export default fp(openapi, { name: 'openapi' })
