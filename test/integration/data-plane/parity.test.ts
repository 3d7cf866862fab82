// Drop-in parity: one client script runs against a simulator directly (master token) and against the gateway in
// front of an identical simulator (team key). Status codes must be identical and bodies equal field for field once
// origins, presigned query strings and timestamps are normalised; gateway error bodies add only request_id.
import t from 'tap'
import { dataPlaneBed } from '../../helpers/data-plane-bed.ts'
import { client, type Answer, type Client, type Doc } from '../../helpers/http.ts'
import { startTestSimulator, type TestSimulator } from '../../helpers/simulator.ts'
import { fixtureBytes, multipartBody, type VideoServer } from '../../helpers/video-server.ts'

interface Step { label: string, status: number, body: unknown, raw: Answer }

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/

/** Origins become <origin>, presigned signatures and dates go, timestamps become <time>. */
function normalise (value: unknown, origins: string[]): unknown {
  if (typeof value === 'string') {
    if (ISO_TIME.test(value)) return '<time>'
    const origin = origins.find(o => value.startsWith(o))
    if (!origin) return value
    const url = new URL(value)
    for (const key of [...url.searchParams.keys()]) if (key.startsWith('X-Amz-')) url.searchParams.delete(key)
    return `<origin>${url.pathname}${url.search}`
  }
  if (Array.isArray(value)) return value.map(v => normalise(v, origins))
  if (value !== null && typeof value === 'object') {
    // a string owner is the master account's email upstream and the team's slug through the gateway (owner.test.ts)
    return Object.fromEntries(Object.entries(value).map(([k, v]) =>
      [k, k === 'owner' && typeof v === 'string' ? '<owner>' : normalise(v, origins)]))
  }
  return value
}

async function script (c: Client, sim: TestSimulator, videos: VideoServer): Promise<Step[]> {
  const steps: Step[] = []
  const record = async (label: string, answer: Promise<Answer>) => {
    const raw = await answer
    steps.push({ label, status: raw.status, body: raw.body, raw })
    return raw
  }
  const id = (answer: Answer) => Number(answer.body.id)

  // creates: JSON, form-urlencoded (repeated ml_models, DRF booleans), multipart
  const json = await record('create json', c.post('/api/jobs/from-url/', { json: { video_url: videos.url('clip-320x180-24fps-48f.mp4'), ml_models: [34], crf: 20, codec: 'libx265' } }))
  const form = await record('create form', c.post('/api/jobs/from-url/', {
    form: new URLSearchParams([['video_url', videos.url('clip-640x360-30fps-30f.mkv')], ['ml_models', '34'], ['ml_models', '41'], ['preview', 'True'], ['comparison', 'false'], ['start_frame', '']])
  }))
  await record('create multipart', c.post('/api/jobs/from-url/', {
    multipart: multipartBody({ video_url: videos.url('clip-1280x720-25fps-25f.mov'), ml_models: ['34', '46'], container: 'mov' })
  }))

  // validation errors in TensorPix's shape
  await record('missing ml_models', c.post('/api/jobs/from-url/', { json: { video_url: videos.url('clip-320x180-24fps-48f.mp4') } }))
  await record('crf 99', c.post('/api/jobs/from-url/', { json: { video_url: videos.url('clip-320x180-24fps-48f.mp4'), ml_models: [34], crf: 99 } }))
  await record('bad codec', c.post('/api/jobs/from-url/', { json: { video_url: videos.url('clip-320x180-24fps-48f.mp4'), ml_models: [34], codec: 'h263' } }))
  await record('bad output_resolution', c.post('/api/jobs/from-url/', { json: { video_url: videos.url('clip-320x180-24fps-48f.mp4'), ml_models: [34], output_resolution: 123 } }))
  await record('negative start_frame', c.post('/api/jobs/from-url/', { json: { video_url: videos.url('clip-320x180-24fps-48f.mp4'), ml_models: [34], start_frame: -1 } }))
  await record('several bad fields', c.post('/api/jobs/from-url/', { json: { video_url: 'not a url', ml_models: [], grain: 2 } }))
  await record('unknown model (upstream check)', c.post('/api/jobs/from-url/', { json: { video_url: videos.url('clip-320x180-24fps-48f.mp4'), ml_models: [9999] } }))
  await record('two models of one task (upstream check)', c.post('/api/jobs/from-url/', { json: { video_url: videos.url('clip-320x180-24fps-48f.mp4'), ml_models: [34, 35] } }))
  await record('not a video (upstream check)', c.post('/api/jobs/from-url/', { json: { video_url: videos.url('not-a-video.txt'), ml_models: [34] } }))
  await record('unparseable JSON', c.post('/api/jobs/from-url/', { raw: '{"video_url": ', contentType: 'application/json' }))
  await record('not a dictionary', c.post('/api/jobs/from-url/', { json: [1, 2] }))
  await record('form without ml_models', c.post('/api/jobs/from-url/', { form: new URLSearchParams([['video_url', videos.url('clip-320x180-24fps-48f.mp4')]]) }))

  // reads
  await record('get json job', c.get(`/api/jobs/${id(json)}/`))
  await record('get form job', c.get(`/api/jobs/${id(form)}/`))
  await record('list jobs', c.get('/api/jobs/'))
  await record('list jobs page 1', c.get('/api/jobs/?limit=2'))
  await record('list jobs page 2', c.get('/api/jobs/?limit=2&offset=2'))
  await record('history list', c.get('/api/jobs/history/'))
  await record('history get', c.get(`/api/jobs/history/${id(json)}/`))
  await record('job missing', c.get('/api/jobs/999999/'))
  await record('history missing', c.get('/api/jobs/history/999999/'))

  // cancel
  await record('cancel form job', c.delete(`/api/jobs/${id(form)}/`))
  await record('cancel again', c.delete(`/api/jobs/${id(form)}/`))
  await record('get cancelled job', c.get(`/api/jobs/${id(form)}/`))
  await record('cancel missing', c.delete('/api/jobs/999999/'))

  // upload, then a job on the upload (nulls for the nullable options)
  const upload = await record('upload', c.post('/api/videos/', {
    multipart: multipartBody({}, [{ field: 'file', filename: 'holiday.mp4', type: 'video/mp4', content: fixtureBytes('clip-320x180-24fps-48f.mp4') }])
  }))
  await record('upload without file', c.post('/api/videos/', { multipart: multipartBody({ name: 'x' }) }))
  await record('upload not a video', c.post('/api/videos/', {
    multipart: multipartBody({}, [{ field: 'file', filename: 'notes.txt', type: 'text/plain', content: fixtureBytes('not-a-video.txt') }])
  }))
  await record('upload not multipart', c.post('/api/videos/', { json: { file: 'x' } }))
  await record('get upload (not ready)', c.get(`/api/videos/${id(upload)}/`))
  await record('create on unready upload', c.post('/api/jobs/', { json: { input_video: id(upload), ml_models: [34] } }))
  await sim.control('POST', '/clock/advance', { ms: 1500 })
  await record('get upload (ready)', c.get(`/api/videos/${id(upload)}/`))
  const uploadJob = await record('create on upload', c.post('/api/jobs/', {
    json: {
      input_video: id(upload), ml_models: [34], start_frame: null, end_frame: null, target_fps: null, preview: false
    }
  }))
  await record('create on missing upload', c.post('/api/jobs/', { json: { input_video: 999999, ml_models: [34] } }))
  await record('delete upload in use', c.delete(`/api/videos/${id(upload)}/`))
  await record('list videos', c.get('/api/videos/'))

  // a finished job's output
  await sim.complete(id(json))
  const finished = await record('get finished job', c.get(`/api/jobs/${id(json)}/`))
  const output = Number((finished.body.output_video as Doc | null)?.id)
  await record('list restored', c.get('/api/restored-videos/'))
  await record('get restored', c.get(`/api/restored-videos/${output}/`))
  await record('delete restored', c.delete(`/api/restored-videos/${output}/`))
  await record('get deleted restored', c.get(`/api/restored-videos/${output}/`))
  await record('list restored after delete', c.get('/api/restored-videos/'))
  await record('get job after output deleted', c.get(`/api/jobs/${id(json)}/`))

  // deleting a video no active job uses
  await sim.complete(id(uploadJob))
  await record('get finished upload job', c.get(`/api/jobs/${id(uploadJob)}/`))
  await record('delete upload', c.delete(`/api/videos/${id(upload)}/`))
  await record('get deleted upload', c.get(`/api/videos/${id(upload)}/`))
  await record('list videos after delete', c.get('/api/videos/'))

  // catalogue and unknown paths
  await record('ml-models', c.get('/api/ml-models/'))
  await record('ml-models page 2', c.get('/api/ml-models/?page=2&page_size=5'))
  await record('ml-models past the end', c.get('/api/ml-models/?page=99'))
  await record('unknown path', c.get('/api/nothing-here/'))
  return steps
}

t.test('the same client script gets the same answers from TensorPix and from the gateway', async t => {
  // the script moves the simulator's clock and reads straight after: every read must reach TensorPix, as it does
  // directly, so the poll memory is off (poll-storm.test.ts covers answers from memory)
  const bed = await dataPlaneBed(t, { env: { JOB_REFRESH_MS: '0' } })
  const direct = await startTestSimulator(t)

  const viaSim = await script(client(direct.url, direct.token), direct, bed.videos)
  const viaGateway = await script(bed.api, bed.sim, bed.videos)
  t.equal(viaGateway.length, viaSim.length)

  const origins = [direct.url, bed.sim.url, bed.origin]
  viaSim.forEach((expected, i) => {
    const got = viaGateway[i] as Step
    t.equal(got.label, expected.label)
    t.equal(got.status, expected.status, `${expected.label}: status`)
    let body = got.body
    if (got.status >= 400) {
      const { request_id: requestId, ...rest } = got.body as Doc
      t.type(requestId, 'string', `${expected.label}: the error body carries request_id`)
      t.equal(requestId, got.raw.headers.get('x-request-id'), `${expected.label}: request_id is the x-request-id`)
      body = rest
    }
    t.same(normalise(body, origins), normalise(expected.body, origins), `${expected.label}: body`)
    t.ok(got.raw.headers.get('server-timing')?.startsWith('gateway;dur='), `${expected.label}: server-timing`)
  })

  // sanity: the script exercised what it claims to (a silent early failure would make both sides trivially equal)
  const byLabel = new Map(viaSim.map(step => [step.label, step.status]))
  t.same([byLabel.get('create json'), byLabel.get('create form'), byLabel.get('create multipart'), byLabel.get('create on upload')], [201, 201, 201, 201])
  t.same([byLabel.get('cancel form job'), byLabel.get('delete restored'), byLabel.get('delete upload')], [204, 204, 204])
  t.equal(byLabel.get('get restored'), 200)
  t.equal(byLabel.get('crf 99'), 400)
})

t.test('the balance keeps its shape but is the team\'s budget, not the master account\'s', async t => {
  const bed = await dataPlaneBed(t, { team: { budgetCredits: '42.5' } })
  const upstream = await bed.upstream.get('/api/accounts/profile/balance/')
  const gateway = await bed.api.get('/api/accounts/profile/balance/')
  t.equal(gateway.status, upstream.status)
  t.same(Object.keys(gateway.body), Object.keys(upstream.body), 'the same fields')
  t.match(upstream.body, { balance_usd: /^\d+\.\d{4}$/ })
  t.match(gateway.body, { balance_usd: /^\d+\.\d{4}$/ })
  t.equal(gateway.body.balance_usd, '42.5000')
  t.not(gateway.body.balance_usd, upstream.body.balance_usd)
})

t.test('pagination links point at the gateway', async t => {
  const bed = await dataPlaneBed(t)
  for (let i = 0; i < 3; i++) {
    t.equal((await bed.api.post('/api/jobs/from-url/', { json: { video_url: bed.videos.url('clip-320x180-24fps-48f.mp4'), ml_models: [34] } })).status, 201)
  }
  const first = await bed.api.get('/api/jobs/?limit=2')
  t.equal(first.body.count, 3)
  t.equal(first.body.next, `${bed.origin}/api/jobs/?limit=2&offset=2`)
  t.equal(first.body.previous, null)
  const second = await bed.api.get('/api/jobs/?limit=2&offset=2')
  t.equal(second.body.next, null)
  t.equal(second.body.previous, `${bed.origin}/api/jobs/?limit=2`)
  const models = await bed.api.get('/api/ml-models/?page_size=5')
  t.equal(models.body.next, `${bed.origin}/api/ml-models/?page=2&page_size=5`)
})
