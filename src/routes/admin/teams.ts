// /admin/v1/teams: create, list, get, update, disable, enable.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DEFAULT_LIMIT } from '../../admin/pagination.ts'
import { TeamCreateSchema, TeamPatchSchema, TeamSchema } from '../../admin/teams/schemas.ts'
import { requestActor } from './actor.ts'
import { pageOf, PageQueryFields, responses, SECURITY, SlugParams } from './schemas.ts'
import type { AdminServices } from './services.ts'

const TeamListQuery = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'substring of the name, any case' })),
  disabled: Type.Optional(Type.Boolean()),
  ...PageQueryFields
})

const base = { tags: ['admin'], security: SECURITY }

export const teamRoutes: FastifyPluginAsyncTypebox<AdminServices> = async (app, { teams }) => {
  app.post('/teams', {
    config: { adminAccess: 'manage' },
    schema: {
      ...base,
      operationId: 'createTeam',
      summary: 'Create a team',
      body: TeamCreateSchema,
      response: responses({ 201: TeamSchema }, 409, 503)
    }
  }, async (request, reply) => reply.code(201).send(await teams.create(requestActor(request), request.body)))

  app.get('/teams', {
    config: { adminAccess: 'read' },
    schema: {
      ...base,
      operationId: 'listTeams',
      summary: 'List teams by slug, filtered by name and disabled',
      querystring: TeamListQuery,
      response: responses({ 200: pageOf(TeamSchema) })
    }
  }, async request => teams.list({ ...request.query, limit: request.query.limit ?? DEFAULT_LIMIT }))

  app.get('/teams/:slug', {
    config: { adminAccess: 'read' },
    schema: {
      ...base,
      operationId: 'getTeam',
      summary: 'Get a team',
      params: SlugParams,
      response: responses({ 200: TeamSchema }, 404)
    }
  }, async request => teams.get(request.params.slug))

  app.patch('/teams/:slug', {
    config: { adminAccess: 'manage' },
    schema: {
      ...base,
      operationId: 'updateTeam',
      summary: 'Update a team (budget and limits merge; policy documents are replaced)',
      params: SlugParams,
      body: TeamPatchSchema,
      response: responses({ 200: TeamSchema }, 404, 503)
    }
  }, async request => teams.update(requestActor(request), request.params.slug, request.body))

  for (const action of ['disable', 'enable'] as const) {
    app.post(`/teams/:slug/${action}`, {
      config: { adminAccess: 'manage' },
      schema: {
        ...base,
        operationId: `${action}Team`,
        summary: action === 'disable'
          ? 'Disable a team: its keys are refused on every replica within seconds'
          : 'Enable a disabled team',
        params: SlugParams,
        response: responses({ 200: TeamSchema }, 404)
      }
    }, async request => teams.setDisabled(requestActor(request), request.params.slug, action === 'disable'))
  }
}
