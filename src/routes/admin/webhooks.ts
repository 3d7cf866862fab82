// /admin/v1/teams/{slug}/webhooks: a team's webhook endpoints and their delivery logs.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DEFAULT_LIMIT } from '../../admin/pagination.ts'
import {
  DeliveryQuerySchema, DeliverySchema, WebhookCreateSchema, WebhookPatchSchema, WebhookSchema, WebhookWithSecretSchema
} from '../../webhooks/schemas.ts'
import { requestActor } from './actor.ts'
import { pageOf, PageQueryFields, responses, SECURITY, SlugParams } from './schemas.ts'
import type { AdminServices } from './services.ts'

const WebhookParams = Type.Object({ ...SlugParams.properties, id: Type.String({ format: 'uuid', description: 'webhook id' }) })
const WebhookList = Type.Object({ items: Type.Array(WebhookSchema) })
const DeliveryListQuery = Type.Object({ ...DeliveryQuerySchema.properties, ...PageQueryFields })
const base = { tags: ['admin'], security: SECURITY }

export const webhookRoutes: FastifyPluginAsyncTypebox<AdminServices> = async (app, { webhooks }) => {
  app.post('/teams/:slug/webhooks', {
    config: { adminAccess: 'manage' },
    schema: {
      ...base,
      operationId: 'createWebhook',
      summary: 'Register a webhook URL for the team; the response holds the signing secret, shown once',
      params: SlugParams,
      body: WebhookCreateSchema,
      response: responses({ 201: WebhookWithSecretSchema }, 404)
    }
  }, async (request, reply) => reply.code(201).send(
    await webhooks.create(requestActor(request), request.params.slug, request.body)
  ))

  app.get('/teams/:slug/webhooks', {
    config: { adminAccess: 'read' },
    schema: {
      ...base,
      operationId: 'listWebhooks',
      summary: "List the team's webhook endpoints",
      params: SlugParams,
      response: responses({ 200: WebhookList }, 404)
    }
  }, async request => ({ items: await webhooks.list(request.params.slug) }))

  app.get('/teams/:slug/webhooks/:id', {
    config: { adminAccess: 'read' },
    schema: { ...base, operationId: 'getWebhook', summary: 'Get a webhook endpoint', params: WebhookParams, response: responses({ 200: WebhookSchema }, 404) }
  }, async request => webhooks.get(request.params.slug, request.params.id))

  app.patch('/teams/:slug/webhooks/:id', {
    config: { adminAccess: 'manage' },
    schema: {
      ...base,
      operationId: 'updateWebhook',
      summary: 'Change the URL, event filter or description of a webhook endpoint, or disable or enable it',
      params: WebhookParams,
      body: WebhookPatchSchema,
      response: responses({ 200: WebhookSchema }, 404)
    }
  }, async request => webhooks.update(requestActor(request), request.params.slug, request.params.id, request.body))

  app.delete('/teams/:slug/webhooks/:id', {
    config: { adminAccess: 'manage' },
    schema: {
      ...base,
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook endpoint and its delivery log',
      params: WebhookParams,
      response: responses({ 200: WebhookSchema }, 404)
    }
  }, async request => webhooks.remove(requestActor(request), request.params.slug, request.params.id))

  app.get('/teams/:slug/webhooks/:id/deliveries', {
    config: { adminAccess: 'read' },
    schema: {
      ...base,
      operationId: 'listWebhookDeliveries',
      summary: "The endpoint's delivery log, newest first: attempts, last status or error, delivered time",
      params: WebhookParams,
      querystring: DeliveryListQuery,
      response: responses({ 200: pageOf(DeliverySchema) }, 404)
    }
  }, async request => webhooks.deliveries(request.params.slug, request.params.id,
    { ...request.query, limit: request.query.limit ?? DEFAULT_LIMIT }))
}
