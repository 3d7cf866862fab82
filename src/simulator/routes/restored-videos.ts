// Enhanced (output) videos. Deleting frees storage; [I] a deleted one is gone from these endpoints (404) but
// stays visible, with `deleted` set and no links, as its job's output_video.
import type { FastifyRequest } from 'fastify'
import { accountOf } from '../auth.ts'
import { pathId, viewContext, type SimApp, type SimulatorContext } from '../context.ts'
import { notFound } from '../errors.ts'
import type { RestoredRecord } from '../records.ts'
import { restoredView } from '../views.ts'
import { listPage } from './lists.ts'

function findRestored (ctx: SimulatorContext, request: FastifyRequest<{ Params: { id: string } }>): RestoredRecord {
  const id = pathId(request.params.id)
  const restored = id === null ? undefined : ctx.sim.restoredOf(accountOf(request), id)
  if (!restored) throw notFound()
  return restored
}

export function restoredVideoRoutes (app: SimApp, ctx: SimulatorContext) {
  app.get('/restored-videos/', async (request) => {
    const account = accountOf(request)
    const view = viewContext(ctx, request)
    const items = [...ctx.sim.restored.values()].filter(r => r.owner === account && r.deletedAt === null)
    return listPage(request, items, restored => restoredView(view, restored),
      { maxPageSize: ctx.sim.behaviour.maxPageSize })
  })

  app.get<{ Params: { id: string } }>('/restored-videos/:id/', async (request) => {
    return restoredView(viewContext(ctx, request), findRestored(ctx, request))
  })

  app.delete<{ Params: { id: string } }>('/restored-videos/:id/', async (request, reply) => {
    ctx.sim.deleteRestored(findRestored(ctx, request))
    return reply.code(204).send()
  })
}
