// Keys: team keys under /teams/{slug}/keys, platform keys (admin, finance) under /keys, and per-key actions.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { KeyCreateSchema, KeyRotateSchema, KeySchema, KeyWithSecretSchema } from '../../admin/keys/schemas.ts'
import { requestActor } from './actor.ts'
import { KeyIdParams, responses, SECURITY, SlugParams } from './schemas.ts'
import type { AdminServices } from './services.ts'

const KeyList = Type.Object({ items: Type.Array(KeySchema) })
const base = { tags: ['admin'], security: SECURITY }

export const keyRoutes: FastifyPluginAsyncTypebox<AdminServices> = async (app, { keys }) => {
  app.post('/teams/:slug/keys', {
    config: { adminAccess: 'manage' },
    schema: {
      ...base,
      operationId: 'createTeamKey',
      summary: 'Create a team key (scopes jobs:read, jobs:write); the response holds the secret, shown once',
      params: SlugParams,
      body: KeyCreateSchema,
      response: responses({ 201: KeyWithSecretSchema }, 404, 409)
    }
  }, async (request, reply) => reply.code(201).send(
    await keys.create(requestActor(request), request.params.slug, request.body)
  ))

  app.get('/teams/:slug/keys', {
    config: { adminAccess: 'read' },
    schema: {
      ...base,
      operationId: 'listTeamKeys',
      summary: "List a team's keys (revoked ones included)",
      params: SlugParams,
      response: responses({ 200: KeyList }, 404)
    }
  }, async request => ({ items: await keys.listForTeam(request.params.slug) }))

  app.post('/keys', {
    config: { adminAccess: 'manage' },
    schema: {
      ...base,
      operationId: 'createPlatformKey',
      summary: 'Create a platform key (scopes admin, finance); the response holds the secret, shown once',
      body: KeyCreateSchema,
      response: responses({ 201: KeyWithSecretSchema }, 409)
    }
  }, async (request, reply) => reply.code(201).send(await keys.create(requestActor(request), null, request.body)))

  app.get('/keys', {
    config: { adminAccess: 'read' },
    schema: {
      ...base,
      operationId: 'listPlatformKeys',
      summary: 'List platform keys (revoked ones included)',
      response: responses({ 200: KeyList })
    }
  }, async () => ({ items: await keys.listPlatform() }))

  app.get('/keys/:id', {
    config: { adminAccess: 'read' },
    schema: { ...base, operationId: 'getKey', summary: 'Get a key', params: KeyIdParams, response: responses({ 200: KeySchema }, 404) }
  }, async request => keys.get(request.params.id))

  app.delete('/keys/:id', {
    config: { adminAccess: 'manage' },
    schema: {
      ...base,
      operationId: 'revokeKey',
      summary: 'Revoke a key: refused on every replica within seconds; 409 if already revoked',
      params: KeyIdParams,
      response: responses({ 200: KeySchema }, 404, 409)
    }
  }, async request => keys.revoke(requestActor(request), request.params.id))

  app.post('/keys/:id/rotate', {
    config: { adminAccess: 'manage' },
    schema: {
      ...base,
      operationId: 'rotateKey',
      summary: 'Give a key a new secret (shown once); the previous one works for graceSeconds more',
      params: KeyIdParams,
      body: KeyRotateSchema,
      response: responses({ 200: KeyWithSecretSchema }, 404, 409)
    }
  }, async request => keys.rotate(requestActor(request), request.params.id, request.body.graceSeconds))
}
