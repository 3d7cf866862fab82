// /__sim/: the control API for tests and demos (registered only with controlApi: true). Answers {detail} on errors.
// No answer carries a token: accounts are shown by user id, and a caller names an account by the token it holds.
import { Type } from 'typebox'
import type { FastifyRequest } from 'fastify'
import { BehaviourChangeSchema } from '../behaviour.ts'
import { viewContext, type SimApp, type SimulatorContext } from '../context.ts'
import { detailError } from '../errors.ts'
import { FaultRuleSchema } from '../faults.ts'
import { parseCredits } from '../money.ts'
import type { JobRecord } from '../records.ts'
import { jobView } from '../views.ts'

const JobParams = Type.Object({ id: Type.Integer() })

export function controlRoutes (app: SimApp, ctx: SimulatorContext) {
  const { sim, faults } = ctx
  const findJob = (id: number): JobRecord => {
    const job = sim.jobs.get(id)
    if (!job) throw detailError(404, `No job ${id}.`)
    return job
  }
  const jobAnswer = (request: FastifyRequest, job: JobRecord) => jobView(viewContext(ctx, request), job)

  app.get('/state', async () => sim.snapshot())

  app.post('/reset', { schema: { body: Type.Optional(Type.Object({ seed: Type.Optional(Type.Integer()) })) } }, async (request) => {
    const seed = request.body?.seed ?? ctx.options.seed
    sim.reset(seed)
    faults.reset(seed)
    faults.set(ctx.options.faults ?? [])
    ctx.limiter.reset()
    return sim.snapshot()
  })

  app.post('/clock/advance', { schema: { body: Type.Object({ ms: Type.Number({ minimum: 0 }) }) } }, async (request) => {
    sim.clock.advance(request.body.ms)
    return { now: new Date(sim.now()).toISOString() }
  })

  app.get('/behaviour', async () => sim.behaviour)
  app.put('/behaviour', { schema: { body: BehaviourChangeSchema } }, async (request) => {
    sim.setBehaviour(request.body)
    return sim.behaviour
  })

  app.get('/faults', async () => faults.describe())
  app.put('/faults', { schema: { body: Type.Object({ faults: Type.Array(FaultRuleSchema) }) } }, async (request) => {
    faults.set(request.body.faults)
    return faults.describe()
  })
  app.post('/faults', { schema: { body: FaultRuleSchema } }, async (request) => {
    faults.add(request.body)
    return faults.describe()
  })
  app.delete('/faults', async () => {
    faults.set([])
    return faults.describe()
  })

  app.post('/jobs/:id/advance', { schema: { params: JobParams } }, async (request) => {
    const job = findJob(request.params.id)
    sim.advance(job)
    return jobAnswer(request, job)
  })
  app.post('/jobs/:id/complete', { schema: { params: JobParams } }, async (request) => {
    const job = findJob(request.params.id)
    sim.settle(job, 'finish')
    return jobAnswer(request, job)
  })
  app.post('/jobs/:id/fail', { schema: { params: JobParams } }, async (request) => {
    const job = findJob(request.params.id)
    sim.settle(job, 'fail')
    return jobAnswer(request, job)
  })
  app.post('/jobs/drain', async () => ({ settled: sim.drain().map(job => ({ id: job.id, status: job.status })) }))

  const findAccount = (token: string) => {
    const account = sim.accounts.get(token)
    if (!account) throw detailError(404, 'No account for this token.')
    return account
  }
  const AccountParams = Type.Object({ token: Type.String() })

  app.get('/accounts/:token', { schema: { params: AccountParams } }, async (request) =>
    sim.accountState(findAccount(request.params.token)))

  app.patch('/accounts/:token', {
    schema: {
      params: AccountParams,
      body: Type.Object({
        balance: Type.Optional(Type.String()),
        storage_quota_bytes: Type.Optional(Type.Integer({ minimum: 0 }))
      }, { additionalProperties: false })
    }
  }, async (request) => {
    const account = findAccount(request.params.token)
    const { balance, storage_quota_bytes: storageQuotaBytes } = request.body
    const parsed = balance === undefined ? undefined : parseCredits(balance)
    if (parsed === null) throw detailError(400, 'balance must be a decimal string with at most 4 places.')
    sim.setAccount(account, { balance: parsed, storageQuotaBytes })
    return sim.accountState(account)
  })
}
