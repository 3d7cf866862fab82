// /api/jobs/…: creates go through the money path (src/jobs/create.ts); reads and cancels are allowed on the
// team's own jobs only, refresh our record from TensorPix and never move money except on a terminal transition.
// Reads go through this replica's memory of TensorPix's answers (src/jobs/polls.ts), so polls share upstream calls.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import multipart from '@fastify/multipart'
import { Type } from 'typebox'
import { createJob, type ClientAnswer } from '../../jobs/create.ts'
import { cancelAnswer, measuredCancel } from '../../account/cancel-bracket.ts'
import { applySnapshot, needsRefresh, type JobView } from '../../jobs/snapshot.ts'
import type { KnownJobs } from '../../jobs/known-jobs.ts'
import type { Answer } from '../../upstream/tensorpix.ts'
import type { TensorpixJob } from '../../tensorpix/jobs.ts'
import { isTerminal } from '../../jobs/states.ts'
import { normaliseJobFields } from '../../tensorpix/form.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { callerOf, listFromRecords, passThrough, upstreamIdOf } from './forward.ts'
import { teamOf, type DataPlaneDeps } from './context.ts'
import { detailResponse, errorResponses, Passthrough } from './schemas.ts'
import { CreateJobSchema, EnhanceVideoSchema, IdParams, PageQuery, type CreateRequest } from '../../tensorpix/requests.ts'

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'replays the first answer for 24 h' }))
})

// DRF reads form values more widely than JSON-schema coercion (src/tensorpix/form.ts)
async function normaliseJobBody (request: FastifyRequest): Promise<void> {
  normaliseJobFields(request.body)
}

export async function findTeamJob (jobs: KnownJobs, teamId: string, upstreamId: number): Promise<JobView> {
  const job = await jobs.find(teamId, upstreamId)
  if (!job) throw new GatewayError('not_found', `Job ${upstreamId}`)
  return job
}

export const jobRoutes: FastifyPluginAsyncTypebox<DataPlaneDeps> = async (app, options) => {
  const { db, jobs, polls, balances, defaultHold, publicUrl } = options
  // multipart creates carry form fields only; uploads (with files) go to /api/videos/
  await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: 0, files: 0, fields: 64, fieldSize: 4096 } })
  const deps = {
    db, upstream: app.upstream, models: app.modelCatalog, defaultHold, now: () => new Date(), log: app.log
  }

  // one read of the job from TensorPix, applied to our record before anyone is answered with it
  async function readUpstream (request: FastifyRequest, job: JobView): Promise<Answer<TensorpixJob>> {
    const res = await passThrough(app.upstream.getJob(upstreamIdOf(job), callerOf(request)))
    if (!res.ok) return res
    const stored = await applySnapshot(db, job, res.body, new Date())
    if (stored !== job) {
      jobs.remember(stored)
      // a terminal transition moves money: this replica's answers show it from now on
      if (isTerminal(stored.state)) balances.forget(job.teamId)
    }
    return res
  }

  /** TensorPix's answer about the job (its text), from memory while fresh; `force` asks TensorPix whatever it holds. */
  function refresh (request: FastifyRequest, job: JobView, force = false): Promise<string> {
    return polls.read(upstreamIdOf(job), () => readUpstream(request, job), { force })
  }

  async function send (request: FastifyRequest, reply: FastifyReply, answer: ClientAnswer) {
    const { teamId } = teamOf(request)
    // the create moved the team's money (or refused to): the answer shows the state after it
    balances.forget(teamId)
    // best effort: the create is done (and charged); a database hiccup here must not read as "nothing was done, retry"
    const headers = await balances.of(teamId).then(balance => balance.headers, (err: unknown) => {
      request.log.warn({ err }, 'budget headers left out: the balance could not be read after the create')
      return {}
    })
    // a replayed refusal is stored without a request id; every error body carries this request's
    const body = answer.status >= 400 && answer.body !== null && typeof answer.body === 'object' && !Array.isArray(answer.body)
      ? { ...answer.body, request_id: request.id }
      : answer.body
    return reply.code(answer.status).headers({ ...headers, ...answer.headers }).send(body)
  }

  const create = (source: CreateRequest['source']) => async (request: FastifyRequest, reply: FastifyReply) => {
    const answer = await createJob(deps, {
      principal: teamOf(request),
      requestId: request.id,
      timing: request.timing,
      idempotencyKey: request.headers['idempotency-key'] as string | undefined,
      request: { source, body: request.body } as CreateRequest
    })
    return send(request, reply, answer)
  }

  app.post('/jobs/from-url/', {
    schema: {
      tags: ['tensorpix'],
      operationId: 'jobs_from_url_create',
      summary: 'Enhance a video from URL (hold, forward, settle)',
      headers: IdempotencyHeaders,
      body: EnhanceVideoSchema,
      response: { 201: Passthrough('EnhanceJobResponse'), 402: detailResponse, 409: detailResponse, ...errorResponses }
    },
    preValidation: normaliseJobBody
  }, create('from-url'))

  app.post('/jobs/', {
    schema: {
      tags: ['tensorpix'],
      operationId: 'jobs_create',
      summary: 'Enhance an uploaded video (hold, forward, settle)',
      headers: IdempotencyHeaders,
      body: CreateJobSchema,
      response: { 201: Passthrough('CreateJob'), 402: detailResponse, 409: detailResponse, ...errorResponses }
    },
    preValidation: normaliseJobBody
  }, create('upload'))

  app.get('/jobs/', {
    schema: {
      tags: ['tensorpix'],
      operationId: 'jobs_list',
      summary: "List the team's jobs (served from the gateway's records)",
      querystring: PageQuery,
      response: { 200: Passthrough('PaginatedJobList'), ...errorResponses }
    }
  }, async (request) => {
    const where = { teamId: teamOf(request).teamId, upstreamId: { not: null } }
    const now = new Date()
    return listFromRecords({ request, query: request.query, publicUrl }, {
      count: () => db.job.count({ where }),
      rows: ({ limit, offset }) => db.job.findMany({
        where, orderBy: [{ createdAt: 'desc' }, { upstreamId: 'desc' }], skip: offset, take: limit
      }),
      // a job TensorPix no longer finds (or whose read fails) shows as it was last seen, or as its create was answered
      stored: job => job.snapshot ?? job.responseBody,
      refreshedAt: job => job.lastSyncedAt,
      stale: job => needsRefresh(job, now),
      refresh: async job => JSON.parse(await refresh(request, job)) as unknown
    })
  })

  app.get('/jobs/:id/', {
    schema: {
      tags: ['tensorpix'],
      operationId: 'jobs_retrieve',
      summary: 'Job details (refreshes the gateway record)',
      params: IdParams,
      response: { 200: Passthrough('Job'), ...errorResponses }
    }
  }, async (request, reply) => {
    const job = await findTeamJob(jobs, teamOf(request).teamId, request.params.id)
    const text = await refresh(request, job)
    const { headers } = await balances.of(job.teamId)
    return reply.headers(headers).type('application/json; charset=utf-8').send(text)
  })

  app.delete('/jobs/:id/', {
    schema: {
      tags: ['tensorpix'],
      operationId: 'jobs_destroy',
      summary: 'Stop (cancel) the job',
      params: IdParams,
      response: { 204: Type.Null(), 409: detailResponse, 500: detailResponse, ...errorResponses }
    }
  }, async (request, reply) => {
    const known = await findTeamJob(jobs, teamOf(request).teamId, request.params.id)
    // the row, not this replica's view: a settlement by the sync (or another replica) leaves the view behind, and
    // polls answered from memory never bring it up to date
    const job = jobs.remember(await db.job.findUniqueOrThrow({ where: { id: known.id } }))
    const send = () => app.upstream.cancelJob(upstreamIdOf(job), callerOf(request))
    // measured against the account's balance, so the refund counts whether or not cost_usd shows it; a job our
    // record has ended cannot be cancelled, and is not worth stopping every create for
    await passThrough(isTerminal(job.state)
      ? send()
      : measuredCancel({ db, upstream: app.upstream, log: request.log }, job.id, send, cancelAnswer))
    // the refund (if any) follows from the cancelled status TensorPix now reports; an answer read before the cancel
    // is no answer to it
    await refresh(request, job, true).catch(err => request.log.warn({ err }, 'refresh after cancel failed; the sync worker will retry'))
    return reply.code(204).send(null)
  })
}
