// The history view of jobs: flatter, with the status as a label ([I] "In Queue", "Processing", "Finished",
// "Failed", "Canceled"). [I] It lists every job of the account, like /api/jobs/.
import { accountOf } from '../auth.ts'
import { viewContext, type SimApp, type SimulatorContext } from '../context.ts'
import { historyJobView } from '../views.ts'
import { findJob } from './jobs.ts'
import { listPage } from './lists.ts'

export function historyRoutes (app: SimApp, ctx: SimulatorContext) {
  app.get('/jobs/history/', async (request) => {
    const account = accountOf(request)
    const view = viewContext(ctx, request)
    const own = [...ctx.sim.jobs.values()].filter(job => job.owner === account)
    return listPage(request, own, job => historyJobView(view, job))
  })

  app.get<{ Params: { id: string } }>('/jobs/history/:id/', async (request) => {
    return historyJobView(viewContext(ctx, request), findJob(ctx, request))
  })
}
