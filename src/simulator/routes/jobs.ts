// Jobs: create from an upload or from a URL, list, get, cancel. Both creates validate in DRF's order (schema,
// then cross-field and catalogue rules, then the source video), price the job and charge it before answering.
import type { FastifyRequest } from 'fastify'
import { accountOf } from '../auth.ts'
import type { MLModel } from '../catalogue.ts'
import { pathId, viewContext, type SimApp, type SimulatorContext } from '../context.ts'
import { fieldError, invalid, notFound } from '../errors.ts'
import { jobParams, normalisedFrames, planJob } from '../job-plan.ts'
import type { JobRecord, VideoRecord } from '../records.ts'
import { CreateJobSchema, EnhanceVideoSchema, type JobOptions } from '../request-schemas.ts'
import { Simulation, type NewVideo } from '../simulation.ts'
import { checkSource, hostingPlatform, normalisedSourceUrl, NOT_A_VIDEO } from '../source-url.ts'
import { checkJobBody, normaliseFormValues, type JobRuleInput } from '../validation.ts'
import { createdJobView, enhanceJobView, jobView } from '../views.ts'
import { factsOrDefaults } from '../video-probe.ts'
import { listPage } from './lists.ts'

const normalise = async (request: FastifyRequest) => { request.body = normaliseFormValues(request.body) }
// Validation errors are attached, not thrown, so they can be merged with the catalogue checks DRF reports alongside.
const validation = { preValidation: normalise, attachValidation: true }

function validModels (request: FastifyRequest, body: JobRuleInput): MLModel[] {
  const checked = checkJobBody(request.validationError?.validation ?? [], body)
  if (!checked.ok) throw invalid(checked.errors, checked.nonField)
  return checked.models
}

function charge (
  ctx: SimulatorContext,
  request: FastifyRequest,
  models: MLModel[],
  body: JobOptions,
  input: VideoRecord | NewVideo
): JobRecord {
  const params = jobParams(body)
  const planned = planJob(input.facts, models, params)
  if (!planned.ok) throw invalid(planned.errors)
  // the echo is stored as the job is created, so a later change of behaviour leaves existing jobs as they were
  const stored = ctx.sim.behaviour.echo === 'normalised' ? normalisedFrames(input.facts, params) : params
  return ctx.sim.startJob(accountOf(request), input, models, stored, planned.plan)
}

function sourceName (url: URL): string {
  const last = decodeURIComponent(url.pathname.split('/').filter(Boolean).at(-1) ?? '')
  return last || url.hostname
}

export function jobRoutes (app: SimApp, ctx: SimulatorContext) {
  app.get('/jobs/', async (request) => {
    const view = viewContext(ctx, request)
    const render = polled(ctx, job => jobView(view, job))
    return listPage(request, ownJobs(ctx, request), render, ctx.sim.behaviour.jobListOrder)
  })

  app.post('/jobs/', { schema: { body: CreateJobSchema }, ...validation }, async (request, reply) => {
    const models = validModels(request, request.body)
    const { input_video: inputId, ...options } = request.body
    if (inputId === null) throw fieldError('input_video', 'This field may not be null.')
    const video = ctx.sim.videoOf(accountOf(request), inputId)
    if (!video) throw Simulation.missing('input_video', inputId)
    if (video.readyAt === null || video.readyAt > ctx.sim.now()) {
      throw fieldError('input_video', 'The video is still being uploaded. Wait until its file is available.')
    }
    const job = charge(ctx, request, models, options, video)
    return reply.code(201).send(createdJobView(job))
  })

  app.post('/jobs/from-url/', { schema: { body: EnhanceVideoSchema }, ...validation }, async (request, reply) => {
    const models = validModels(request, request.body)
    const { video_url: videoUrl, ...options } = request.body
    const url = new URL(videoUrl)
    const platform = hostingPlatform(url)
    if (platform) throw fieldError('video_url', `${platform} links are not supported. Use a direct URL to a video file.`)
    const source = await checkSource(url, { timeoutMs: ctx.options.urlFetchTimeoutMs })
    if (!source.ok) {
      request.log.info({ reason: source.reason }, 'from-url source rejected')
      throw fieldError('video_url', NOT_A_VIDEO)
    }
    const input: NewVideo = {
      name: sourceName(url),
      facts: factsOrDefaults(source.head),
      size: source.size ?? source.head.length,
      bytes: source.head,
      contentType: source.contentType ?? 'video/mp4',
      externalUrl: ctx.sim.behaviour.echo === 'normalised' ? normalisedSourceUrl(url) : videoUrl
    }
    const job = charge(ctx, request, models, options, input)
    return reply.code(201).send(enhanceJobView(job))
  })

  app.get<{ Params: { id: string } }>('/jobs/:id/', async (request) => {
    const view = viewContext(ctx, request)
    return polled(ctx, job => jobView(view, job))(findJob(ctx, request))
  })

  app.delete<{ Params: { id: string } }>('/jobs/:id/', async (request, reply) => {
    ctx.sim.cancel(findJob(ctx, request))
    return reply.code(204).send()
  })
}

export function ownJobs (ctx: SimulatorContext, request: FastifyRequest): JobRecord[] {
  const account = accountOf(request)
  return [...ctx.sim.jobs.values()].filter(job => job.owner === account)
}

/** Renders a job for a GET of the API, which counts towards outputVideoAfterPolls once the render is done. */
export function polled<R> (ctx: SimulatorContext, render: (job: JobRecord) => R): (job: JobRecord) => R {
  return job => {
    const answer = render(job)
    ctx.sim.notePoll(job)
    return answer
  }
}

export function findJob (ctx: SimulatorContext, request: FastifyRequest<{ Params: { id: string } }>): JobRecord {
  const id = pathId(request.params.id)
  const job = id === null ? undefined : ctx.sim.jobOf(accountOf(request), id)
  if (!job) throw notFound()
  return job
}
