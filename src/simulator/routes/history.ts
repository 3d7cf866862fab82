// The history view of jobs: flatter, with the status as a label ([I] "In Queue", "Processing", "Finished",
// "Failed", "Canceled"). [I] It lists every job of the account, like /api/jobs/.
import { viewContext, type SimApp, type SimulatorContext } from '../context.ts'
import { historyJobView } from '../views.ts'
import { findJob, ownJobs, polled } from './jobs.ts'
import { listPage } from './lists.ts'

export function historyRoutes (app: SimApp, ctx: SimulatorContext) {
  app.get('/jobs/history/', async (request) => {
    const view = viewContext(ctx, request)
    const render = polled(ctx, job => historyJobView(view, job))
    return listPage(request, ownJobs(ctx, request), render, ctx.sim.behaviour.jobListOrder)
  })

  app.get<{ Params: { id: string } }>('/jobs/history/:id/', async (request) => {
    const view = viewContext(ctx, request)
    return polled(ctx, job => historyJobView(view, job))(findJob(ctx, request))
  })
}
