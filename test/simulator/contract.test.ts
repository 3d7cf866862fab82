// Contract tests: live simulator responses validated with Ajv against the seed's own OpenAPI schemas (loaded from
// the seed YAML) for every status the seed lists on POST /api/jobs/from-url/, and against the simulator's
// response schemas for the other endpoints.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { TSchema } from 'typebox'
import {
  BalanceSchema, CreateJobResponseSchema, HistoryJobSchema, JobSchema, MLModelListSchema, PaginatedSchema,
  RestoredVideoSchema, VideoSchema
} from '../../src/simulator/response-schemas.ts'
import { auth, fixture, multipartFile, simulator, sourceServer, TOKEN } from './helpers.ts'
import { parseYaml } from './seed-yaml.ts'

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020
const seed = parseYaml(readFileSync(new URL('../fixtures/openapi-from-url.seed.yaml', import.meta.url), 'utf8')) as {
  paths: Record<string, { post: { responses: Record<string, { content: { 'application/json': { schema: object } } }> } }>
  components: object
}
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }))
ajv.addFormat('decimal', /^-?\d*(\.\d+)?$/)
ajv.addFormat('double', true)
ajv.addSchema({ $id: 'https://seed.local/openapi.json', components: seed.components })

const responses = seed.paths['/api/jobs/from-url/']?.post.responses ?? {}

const seedValidators = new Map<string, ReturnType<typeof ajv.compile>>()
function seedValidator (status: string) {
  const schema = responses[status]?.content['application/json'].schema as { $ref: string } | undefined
  if (!schema) throw new Error(`the seed lists no ${status}`)
  const validator = seedValidators.get(status) ?? ajv.compile({ $ref: `https://seed.local/openapi.json${schema.$ref}` })
  seedValidators.set(status, validator)
  return validator
}

function check (
  tt: { ok(value: unknown, message: string): void },
  validate: ReturnType<typeof ajv.compile>,
  body: unknown,
  label: string
) {
  const valid = validate(body)
  tt.ok(valid, `${label}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 300)}`)
}

t.test('the seed lists the statuses the simulator produces', async t => {
  t.same(Object.keys(responses).sort(), ['201', '400', '401', '402', '403', '429', '500'])
  t.notOk(seedValidator('201')({ id: 1, cost_usd: 1.5 }), 'the validators do reject wrong shapes')
  t.notOk(seedValidator('400')({ errors: { x: 'not a list' }, non_field_errors: [] }))
})

t.test('POST /api/jobs/from-url/ answers match the seed, status by status', async t => {
  const src = await sourceServer(t)
  const body = { video_url: src.url('/clip.mp4'), ml_models: [34] }
  const post = async (
    app: Awaited<ReturnType<typeof simulator>>,
    payload: unknown,
    headers: Record<string, string> = auth()
  ) =>
    app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers, payload: payload as object })

  const app = await simulator(t, { requestsPerMinute: 20 })
  const created = await post(app, body)
  t.equal(created.statusCode, 201)
  check(t, seedValidator('201'), created.json(), '201')

  for (const bad of [{}, { ...body, ml_models: [] }, { ...body, crf: 99 }, { ...body, video_url: src.url('/not-a-video.txt') }, [1]]) {
    const res = await post(app, bad)
    t.equal(res.statusCode, 400)
    check(t, seedValidator('400'), res.json(), '400')
  }
  const unauthenticated = await post(app, body, {})
  t.equal(unauthenticated.statusCode, 401)
  check(t, seedValidator('401'), unauthenticated.json(), '401')

  const poor = await simulator(t, { initialBalance: '0', insufficientCreditsStatus: 402 })
  const payment = await post(poor, body)
  t.equal(payment.statusCode, 402)
  check(t, seedValidator('402'), payment.json(), '402')

  const faulty = await simulator(t, {
    faults: [
      { kind: 'error', status: 403, detail: 'You do not have permission to perform this action.', times: 1 },
      { kind: 'error', status: 500, times: 1 },
      { kind: 'rate_limit', times: 1, retryAfterSeconds: 7 }
    ]
  })
  const forbidden = await post(faulty, body)
  t.equal(forbidden.statusCode, 403)
  check(t, seedValidator('403'), forbidden.json(), '403')
  const failed = await post(faulty, body)
  t.equal(failed.statusCode, 500)
  check(t, seedValidator('500'), failed.json(), '500')
  const burst = await post(faulty, body)
  t.equal(burst.statusCode, 429)
  check(t, seedValidator('429'), burst.json(), '429 (fault)')

  for (let i = 0; i < 20; i++) await app.inject({ url: '/api/accounts/profile/balance/', headers: auth() })
  const throttled = await post(app, body)
  t.equal(throttled.statusCode, 429)
  check(t, seedValidator('429'), throttled.json(), '429 (rate limit)')
})

t.test('other endpoints match the shapes in API.md', async t => {
  const src = await sourceServer(t)
  const app = await simulator(t, { uploadReadyMs: 0 })
  const validate = (schema: TSchema) => ajv.compile(schema as object)
  const get = async (url: string) => (await app.inject({ url, headers: auth() })).json()

  const upload = multipartFile('file', 'clip.mov', 'video/quicktime', fixture('clip-1280x720-25fps-25f.mov'))
  const video = await app.inject({ method: 'POST', url: '/api/videos/', headers: { ...auth(), ...upload.headers }, payload: upload.payload })
  check(t, validate(VideoSchema), video.json(), 'upload 201')
  const created = await app.inject({ method: 'POST', url: '/api/jobs/', headers: auth(), payload: { input_video: 5001, ml_models: [34, 41], preview: true } })
  t.equal(created.statusCode, 201)
  check(t, validate(CreateJobResponseSchema), created.json(), 'create 201')
  await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { video_url: src.url('/clip.mkv'), ml_models: [49, 51], playback_speed: 0.5 } })
  await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { video_url: src.url('/clip.mp4'), ml_models: [35], codec: 'prores_ks', chroma_subsampling: 'yuv422p10le' } })
  await app.inject({ method: 'POST', url: '/__sim/jobs/1001/complete' })
  await app.inject({ method: 'POST', url: '/__sim/jobs/1002/advance' })
  await app.inject({ method: 'DELETE', url: '/api/jobs/1002/', headers: auth() })
  await app.inject({ method: 'POST', url: '/__sim/jobs/1003/complete' })
  await app.inject({ method: 'DELETE', url: '/api/restored-videos/9002/', headers: auth() })

  check(t, validate(BalanceSchema), await get('/api/accounts/profile/balance/'), 'balance')
  check(t, validate(PaginatedSchema(MLModelListSchema)), await get('/api/ml-models/'), 'ml-models')
  check(t, validate(PaginatedSchema(JobSchema)), await get('/api/jobs/'), 'jobs')
  for (const id of [1001, 1002, 1003]) check(t, validate(JobSchema), await get(`/api/jobs/${id}/`), `job ${id}`)
  check(t, validate(PaginatedSchema(HistoryJobSchema)), await get('/api/jobs/history/'), 'history')
  check(t, validate(HistoryJobSchema), await get('/api/jobs/history/1001/'), 'history job')
  check(t, validate(PaginatedSchema(VideoSchema)), await get('/api/videos/'), 'videos')
  check(t, validate(VideoSchema), await get('/api/videos/5001/'), 'video')
  check(t, validate(PaginatedSchema(RestoredVideoSchema)), await get('/api/restored-videos/'), 'restored videos')
  check(t, validate(RestoredVideoSchema), await get('/api/restored-videos/9001/'), 'restored video')
  t.equal((await get('/api/restored-videos/')).count, 1)
  const state = (await app.inject({ url: `/__sim/accounts/${TOKEN}` })).json()
  t.match(state, { jobs: { finished: 2, canceled: 1 }, restored_videos: 1, videos: 3 })
})
