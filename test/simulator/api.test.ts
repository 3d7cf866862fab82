import t from 'tap'
import { auth, fixture, multipartFile, OTHER_TOKEN, simulator, sourceServer, TOKEN } from './helpers.ts'

const form = (pairs: Array<[string, string]>) => ({
  payload: new URLSearchParams(pairs).toString(),
  headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' }
})

t.test('authentication like DRF TokenAuthentication', async t => {
  const app = await simulator(t)
  const balance = (authorization?: string) => app.inject({ url: '/api/accounts/profile/balance/', headers: authorization ? { authorization } : {} })
  for (const [header, detail] of [
    [undefined, 'Authentication credentials were not provided.'],
    ['Basic abc', 'Authentication credentials were not provided.'],
    ['Token', 'Invalid token header. No credentials provided.'],
    ['Token a b', 'Invalid token header. Token string should not contain spaces.'],
    ['Token nope', 'Invalid token.']
  ] as const) {
    const res = await balance(header)
    t.equal(res.statusCode, 401, String(header))
    t.same(res.json(), { detail })
    t.equal(res.headers['www-authenticate'], 'Token')
  }
  for (const header of [`Token ${TOKEN}`, `token ${TOKEN}`, `Bearer ${TOKEN}`]) {
    const res = await balance(header)
    t.equal(res.statusCode, 200, header)
    t.same(res.json(), { balance_usd: '1000.0000' })
  }
})

t.test('paths, trailing slashes and not found', async t => {
  const app = await simulator(t)
  const res = await app.inject({ url: '/api/jobs?limit=1', headers: auth() })
  t.equal(res.statusCode, 301)
  t.equal(res.headers.location, '/api/jobs/?limit=1')
  t.same((await app.inject({ url: '/nope/', headers: auth() })).json(), { detail: 'Not found.' })
  t.equal((await app.inject({ url: '/api/jobs/abc/', headers: auth() })).statusCode, 404)
  t.equal((await app.inject({ url: '/api/jobs/424242/', headers: auth() })).statusCode, 404)
})

t.test('ml-models with page/page_size', async t => {
  const app = await simulator(t)
  const res = await app.inject({ url: '/api/ml-models/?page_size=5&page=2', headers: { ...auth(), host: 'sim.test:8090' } })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { count: 18, next: 'http://sim.test:8090/api/ml-models/?page=3&page_size=5', previous: 'http://sim.test:8090/api/ml-models/?page_size=5' })
  t.equal(res.json().results.length, 5)
  const bad = await app.inject({ url: '/api/ml-models/?page=99', headers: auth() })
  t.equal(bad.statusCode, 404)
  t.same(bad.json(), { detail: 'Invalid page.' })
})

t.test('from-url in all three encodings', async t => {
  const app = await simulator(t)
  const src = await sourceServer(t)
  const url = src.url('/clip.mov')
  const formRes = await app.inject({ method: 'POST', url: '/api/jobs/from-url/', ...form([['video_url', url], ['ml_models', '34'], ['ml_models', '41'], ['crf', '20'], ['comparison', 'True']]) })
  t.equal(formRes.statusCode, 201, formRes.body)
  // 25 frames × 1 (720p) × (1 + 0.5) × 0.0025
  t.same(formRes.json(), { id: 1001, cost_usd: '0.0938', input_video: 5001, status: 0 })
  const multi = multipartFile('', '', '', Buffer.alloc(0), { video_url: url, ml_models: ['34', '43'], preview: 'true' })
  const multiRes = await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: { ...auth(), ...multi.headers }, payload: multi.payload })
  t.equal(multiRes.statusCode, 201, multiRes.body)
  t.equal(multiRes.json().cost_usd, '0.0000', 'previews are free')
  const jsonRes = await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { video_url: url, ml_models: [53], crf: '30' } })
  t.equal(jsonRes.statusCode, 201, jsonRes.body)

  const job = (await app.inject({ url: '/api/jobs/1001/', headers: auth() })).json()
  t.match(job, { id: 1001, status: 0, cost_usd: '0.0938', comparison: true, processing_progress: 0, output_video: null, description: 'AI Denoise, 200% AI Upscale' })
  t.match(job.input_video, { id: 5001, name: 'clip.mov', width: 1280, height: 720, framerate: 25, n_frames: 25, file: null, thumbnail: null, external_url: url })
  t.same(job.ml_models.map((m: { id: number }) => m.id), [41, 34], 'pipeline order')
  t.equal(job.eta_s, 10, 'queue 2 s + processing 8 s')
  t.same((await app.inject({ url: '/api/accounts/profile/balance/', headers: auth() })).json(), { balance_usd: '999.8624' }, '0.0938 + 0 (preview) + 0.0438')

  const list = (await app.inject({ url: '/api/jobs/?limit=2', headers: auth() })).json()
  t.match(list, { count: 3, previous: null })
  t.same(list.results.map((j: { id: number }) => j.id), [1003, 1002], 'newest first')
  t.match(list.next, /\/api\/jobs\/\?limit=2&offset=2$/)
  t.equal((await app.inject({ url: '/api/jobs/1001/', headers: auth(OTHER_TOKEN) })).statusCode, 404, 'owner-scoped')
  t.equal((await app.inject({ url: '/api/jobs/', headers: auth(OTHER_TOKEN) })).json().count, 0)
})

t.test('from-url validation', async t => {
  const app = await simulator(t)
  const src = await sourceServer(t)
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: { ...auth(), ...headers }, payload: payload as string })
  const cases: Array<[unknown, object]> = [
    [{}, { video_url: ['This field is required.'], ml_models: ['This field is required.'] }],
    [{ video_url: src.url('/clip.mp4'), ml_models: [] }, { ml_models: ['This list may not be empty.'] }],
    [{ video_url: 'not a url', ml_models: [34] }, { video_url: ['Enter a valid URL.'] }],
    [{ video_url: `https://cdn.example.com/${'a'.repeat(2048)}.mp4`, ml_models: [34] }, { video_url: ['Ensure this field has no more than 2048 characters.'] }],
    [{ video_url: src.url('/clip.mp4'), ml_models: [34], codec: 'h264', container: 'avi', crf: -1, grain: 2, output_resolution: 1000, chroma_subsampling: 'yuv411p', stabilization_smoothing: 41, target_fps: 241, playback_speed: 0.05, sharpen_strength: 11, start_frame: -1, end_frame: 0, preview: 'perhaps' }, {
      codec: ['"h264" is not a valid choice.'],
      container: ['"avi" is not a valid choice.'],
      crf: ['Ensure this value is greater than or equal to 0.'],
      grain: ['Ensure this value is less than or equal to 1.'],
      output_resolution: ['"1000" is not a valid choice.'],
      chroma_subsampling: ['"yuv411p" is not a valid choice.'],
      stabilization_smoothing: ['Ensure this value is less than or equal to 40.'],
      target_fps: ['Ensure this value is less than or equal to 240.'],
      playback_speed: ['Ensure this value is greater than or equal to 0.1.'],
      sharpen_strength: ['Ensure this value is less than or equal to 10.'],
      start_frame: ['Ensure this value is greater than or equal to 0.'],
      end_frame: ['Ensure this value is greater than or equal to 1.'],
      preview: ['Must be a valid boolean.']
    }],
    [{ video_url: src.url('/clip.mp4'), ml_models: [34, 999] }, { ml_models: ['Invalid pk "999" - object does not exist.'] }],
    [{ video_url: src.url('/clip.mp4'), ml_models: [34, 35] }, { ml_models: ['Only one model per task is allowed: 34 and 35 are both Super Resolution models.'] }],
    [{ video_url: src.url('/clip.mp4'), ml_models: [34], start_frame: 10, end_frame: 10 }, { end_frame: ['end_frame must be greater than start_frame.'] }],
    [{ video_url: src.url('/clip.mp4'), ml_models: [34], start_frame: 48 }, { start_frame: ['start_frame must be lower than the number of frames in the video (48).'] }],
    [{ video_url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', ml_models: [34] }, { video_url: ['YouTube links are not supported. Use a direct URL to a video file.'] }],
    [{ video_url: 'https://vimeo.com/76979871', ml_models: [34] }, { video_url: ['Vimeo links are not supported. Use a direct URL to a video file.'] }],
    [{ video_url: src.url('/not-a-video.txt'), ml_models: [34] }, { video_url: ['The URL cannot be parsed as a video.'] }],
    [{ video_url: src.url('/missing.mp4'), ml_models: [34] }, { video_url: ['The URL cannot be parsed as a video.'] }]
  ]
  for (const [body, errors] of cases) {
    const res = await post(body)
    t.equal(res.statusCode, 400, JSON.stringify(body).slice(0, 80))
    t.same(res.json(), { errors, non_field_errors: [] }, JSON.stringify(body).slice(0, 80))
  }
  const list = await post([1, 2])
  t.same(list.json(), { errors: {}, non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] })
  const broken = await post('{"video_url":', { 'content-type': 'application/json' })
  t.equal(broken.statusCode, 400)
  t.match(broken.json(), { errors: {}, non_field_errors: [/^Parse error/] })
  const unsupported = await post('x', { 'content-type': 'text/plain' })
  t.equal(unsupported.statusCode, 415)
  t.match(unsupported.json(), { detail: String })
  t.equal((await app.inject({ url: `/__sim/accounts/${TOKEN}` })).json().jobs_created, 0, 'nothing was created or charged')
})

t.test('insufficient credits: 400 by default, 402 when configured', async t => {
  const src = await sourceServer(t)
  const body = { video_url: src.url('/clip.mov'), ml_models: [35] }
  const app = await simulator(t, { initialBalance: '0.0400' })
  const res = await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: body })
  t.equal(res.statusCode, 400)
  t.same(res.json(), { errors: {}, non_field_errors: ['Insufficient credits: this job costs 0.1250 credits and the balance is 0.0400.'] })
  t.equal((await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { ...body, preview: true } })).statusCode, 201, 'previews need no credits')
  const strict = await simulator(t, { initialBalance: '0', insufficientCreditsStatus: 402 })
  const res402 = await strict.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: body })
  t.equal(res402.statusCode, 402)
  t.match(res402.json(), { detail: /Insufficient credits/ })
})

t.test('lifecycle on the manual clock, history view', async t => {
  const app = await simulator(t)
  const src = await sourceServer(t)
  await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { video_url: src.url('/clip.mkv'), ml_models: [34], container: 'mkv' } })
  const job = async () => (await app.inject({ url: '/api/jobs/1001/', headers: auth() })).json()
  const advance = (ms: number) => app.inject({ method: 'POST', url: '/__sim/clock/advance', payload: { ms } })
  t.match(await job(), { status: 0 })
  await advance(2000)
  t.match(await job(), { status: 1, processing_progress: 0, eta_s: 8 })
  await advance(4000)
  t.match(await job(), { status: 1, processing_progress: 0.5, eta_s: 4 })
  t.match((await app.inject({ url: '/api/jobs/history/1001/', headers: auth() })).json(), { status: 'Processing', container: 'mkv', qscale: -1 })
  await advance(4000)
  const done = await job()
  t.match(done, { status: 2, processing_progress: 1, eta_s: 0, finished: String })
  t.match(done.output_video, { id: 9001, job_id: 1001, name: 'clip_enhanced.mkv', width: 1280, height: 720, framerate: 30, n_frames: 30, codec_id: 'h264', deleted: null, owner: 1 })
  t.match(done.output_video.file, /^http:\/\/localhost:80\/media\/restored-videos\/9001\//)
  t.match((await app.inject({ url: '/api/jobs/history/', headers: auth() })).json(), { count: 1, results: [{ id: 1001, status: 'Finished' }] })
  t.match((await app.inject({ url: '/api/restored-videos/', headers: auth() })).json(), { count: 1, results: [{ id: 9001 }] })
})

t.test('cancel: full refund while queued, 80% while processing, 409 after', async t => {
  const app = await simulator(t)
  const src = await sourceServer(t)
  const create = async () => (await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { video_url: src.url('/clip.mov'), ml_models: [35] } })).json()
  const cancel = (id: number) => app.inject({ method: 'DELETE', url: `/api/jobs/${id}/`, headers: auth() })
  const state = async () => (await app.inject({ url: `/__sim/accounts/${TOKEN}` })).json()
  const queued = await create()
  const res = await cancel(queued.id)
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.match(await state(), { balance: '1000.0000', credits_charged: '0.1250', credits_refunded: '0.1250' })
  const processing = await create()
  await app.inject({ method: 'POST', url: `/__sim/jobs/${processing.id}/advance` })
  t.equal((await cancel(processing.id)).statusCode, 204)
  t.match(await state(), { balance: '999.9750', credits_charged: '0.2500', credits_refunded: '0.2250', jobs: { canceled: 2 } })
  t.match((await app.inject({ url: `/api/jobs/${processing.id}/`, headers: auth() })).json(), { status: -2, output_video: null, finished: String })
  const again = await cancel(processing.id)
  t.equal(again.statusCode, 409)
  t.same(again.json(), { detail: 'Job is already canceled.' })
  const finished = await create()
  await app.inject({ method: 'POST', url: `/__sim/jobs/${finished.id}/complete` })
  t.match((await cancel(finished.id)).json(), { detail: 'Job has already finished and cannot be canceled.' })
  t.equal((await cancel(finished.id + 1000)).statusCode, 404)
})

t.test('failures end in -1 with a full refund; the failure share is seeded', async t => {
  const src = await sourceServer(t)
  const app = await simulator(t, { failureRate: 1 })
  const { id } = (await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { video_url: src.url('/clip.mov'), ml_models: [34] } })).json()
  await app.inject({ method: 'POST', url: '/__sim/clock/advance', payload: { ms: 60_000 } })
  t.match((await app.inject({ url: `/api/jobs/${id}/`, headers: auth() })).json(), { status: -1, output_video: null })
  t.match((await app.inject({ url: `/__sim/accounts/${TOKEN}` })).json(), { balance: '1000.0000', credits_refunded: '0.0625', jobs: { failed: 1 } })

  const outcomes = async (seed: number) => {
    const sim = await simulator(t, { failureRate: 0.5, seed })
    for (let i = 0; i < 12; i++) await sim.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { video_url: src.url('/clip.mov'), ml_models: [34] } })
    return (await sim.inject({ method: 'POST', url: '/__sim/jobs/drain' })).json().settled.map((j: { status: number }) => j.status)
  }
  const first = await outcomes(9)
  t.same(await outcomes(9), first)
  t.ok(first.includes(2) && first.includes(-1), first.join(','))
})

t.test('uploads, jobs on uploads, and deleting videos', async t => {
  const app = await simulator(t)
  const mp4 = fixture('clip-320x180-24fps-48f.mp4')
  const upload = multipartFile('file', 'my clip.mp4', 'video/mp4', mp4)
  const created = await app.inject({ method: 'POST', url: '/api/videos/', headers: { ...auth(), ...upload.headers }, payload: upload.payload })
  t.equal(created.statusCode, 201, created.body)
  t.match(created.json(), { id: 5001, name: 'my clip.mp4', width: 320, height: 180, framerate: 24, n_frames: 48, size: mp4.length, file: null, external_url: null, owner: 'user1@simulator.tensorpix.local' })
  const jobBody = { input_video: 5001, ml_models: [34], start_frame: 0, end_frame: 24 }
  const early = await app.inject({ method: 'POST', url: '/api/jobs/', headers: auth(), payload: jobBody })
  t.same(early.json(), { errors: { input_video: ['The video is still being uploaded. Wait until its file is available.'] }, non_field_errors: [] })
  await app.inject({ method: 'POST', url: '/__sim/clock/advance', payload: { ms: 1000 } })
  const video = (await app.inject({ url: '/api/videos/5001/', headers: auth() })).json()
  t.match(video.file, /\/media\/videos\/5001\/my%20clip\.mp4\?/)
  const file = await app.inject({ url: video.file.replace(/^http:\/\/[^/]+/, '') })
  t.equal(file.statusCode, 200)
  t.equal(file.headers['content-type'], 'video/mp4')
  t.equal(file.rawPayload.length, mp4.length)
  t.equal((await app.inject({ url: video.file.replace(/^http:\/\/[^/]+/, ''), headers: auth() })).statusCode, 400, 'presigned links refuse the API token')

  const job = await app.inject({ method: 'POST', url: '/api/jobs/', headers: auth(), payload: jobBody })
  t.equal(job.statusCode, 201, job.body)
  t.match(job.json(), { id: 1001, owner: 'user1@simulator.tensorpix.local', input_video: 5001, output_video: null, ml_models: [34], cost_usd: '0.0100', start_frame: 0, end_frame: 24, codec: 'libx264', crf: 23 })
  t.same((await app.inject({ method: 'POST', url: '/api/jobs/', headers: auth(OTHER_TOKEN), payload: jobBody })).json().errors, { input_video: ['Invalid pk "5001" - object does not exist.'] })
  const busy = await app.inject({ method: 'DELETE', url: '/api/videos/5001/', headers: auth() })
  t.equal(busy.statusCode, 409)
  t.match(busy.json(), { detail: /used by job 1001/ })
  await app.inject({ method: 'POST', url: '/__sim/jobs/1001/complete' })
  t.equal((await app.inject({ method: 'DELETE', url: '/api/videos/5001/', headers: auth() })).statusCode, 204)
  t.equal((await app.inject({ url: '/api/videos/5001/', headers: auth() })).statusCode, 404)
  t.equal((await app.inject({ url: '/api/videos/', headers: auth() })).json().count, 0)
})

t.test('upload validation', async t => {
  const app = await simulator(t)
  const post = (upload: { payload: Buffer, headers: Record<string, string> }) => app.inject({ method: 'POST', url: '/api/videos/', headers: { ...auth(), ...upload.headers }, payload: upload.payload })
  const text = await post(multipartFile('file', 'notes.txt', 'text/plain', fixture('not-a-video.txt')))
  t.same(text.json(), { errors: { file: ['Upload a valid video. The file you uploaded was either not a video or a corrupted video.'] }, non_field_errors: [] })
  t.same((await post(multipartFile('', '', '', Buffer.alloc(0), { name: 'x' }))).json().errors, { file: ['No file was submitted.'] })
  const octet = await post(multipartFile('file', 'clip.mkv', 'application/octet-stream', fixture('clip-640x360-30fps-30f.mkv')))
  t.equal(octet.statusCode, 201, 'recognised by signature')
  const json = await app.inject({ method: 'POST', url: '/api/videos/', headers: auth(), payload: { file: 'x' } })
  t.equal(json.statusCode, 415)
})

t.test('storage quota: outputs count, over it creates fail, deleting frees', async t => {
  const src = await sourceServer(t)
  // 1280×720 × 25 frames × 0.1 bpp / 8 = 288000 bytes per 720p output at CRF 23
  const app = await simulator(t, { storageQuotaBytes: 500_000 })
  const create = () => app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { video_url: src.url('/clip.mov'), ml_models: [41] } })
  t.equal((await create()).statusCode, 201)
  const over = await create()
  t.equal(over.statusCode, 400)
  t.match(over.json(), { errors: {}, non_field_errors: [/^Storage limit exceeded: 288000 of 500000 bytes used/] })
  await app.inject({ method: 'POST', url: '/__sim/jobs/1001/complete' })
  t.equal((await app.inject({ url: `/__sim/accounts/${TOKEN}` })).json().storage_used, 288000)
  t.equal((await app.inject({ method: 'DELETE', url: '/api/restored-videos/9001/', headers: auth() })).statusCode, 204)
  t.equal((await app.inject({ url: '/api/restored-videos/9001/', headers: auth() })).statusCode, 404)
  t.match((await app.inject({ url: '/api/jobs/1001/', headers: auth() })).json().output_video, { id: 9001, deleted: String, file: null })
  t.equal((await app.inject({ url: `/__sim/accounts/${TOKEN}` })).json().storage_used, 0)
  t.equal((await create()).statusCode, 201)
  const upload = multipartFile('file', 'big.mov', 'video/quicktime', fixture('clip-1280x720-25fps-25f.mov'))
  await app.inject({ method: 'PATCH', url: `/__sim/accounts/${TOKEN}`, payload: { storage_quota_bytes: 290_000 } })
  const tooBig = await app.inject({ method: 'POST', url: '/api/videos/', headers: { ...auth(), ...upload.headers }, payload: upload.payload })
  t.match(tooBig.json(), { non_field_errors: [/^Storage limit exceeded/] })
})

t.test('rate limit per token with Retry-After', async t => {
  const app = await simulator(t, { requestsPerMinute: 3 })
  const get = (token = TOKEN) => app.inject({ url: '/api/accounts/profile/balance/', headers: auth(token) })
  for (let i = 0; i < 3; i++) t.equal((await get()).statusCode, 200)
  const limited = await get()
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['retry-after'], '60')
  t.same(limited.json(), { detail: 'Request was throttled. Expected available in 60 seconds.' })
  t.equal((await get(OTHER_TOKEN)).statusCode, 200, 'other tokens have their own budget')
  await app.inject({ method: 'POST', url: '/__sim/clock/advance', payload: { ms: 59_500 } })
  t.equal((await get()).headers['retry-after'], '1')
  await app.inject({ method: 'POST', url: '/__sim/clock/advance', payload: { ms: 500 } })
  t.equal((await get()).statusCode, 200)
})

t.test('media links expire on the simulated clock', async t => {
  const app = await simulator(t, { uploadReadyMs: 0 })
  const upload = multipartFile('file', 'a.mp4', 'video/mp4', fixture('clip-320x180-24fps-48f.mp4'))
  await app.inject({ method: 'POST', url: '/api/videos/', headers: { ...auth(), ...upload.headers }, payload: upload.payload })
  const { file, thumbnail } = (await app.inject({ url: '/api/videos/5001/', headers: auth() })).json()
  const path = (url: string) => url.replace(/^http:\/\/[^/]+/, '')
  t.equal((await app.inject({ url: path(thumbnail) })).headers['content-type'], 'image/png')
  t.equal((await app.inject({ url: path(file).replace('5001', '5002') })).statusCode, 403)
  await app.inject({ method: 'POST', url: '/__sim/clock/advance', payload: { ms: 7201_000 } })
  const expired = await app.inject({ url: path(file) })
  t.equal(expired.statusCode, 403)
  t.match(expired.body, /Request has expired/)
})

t.test('control API: state, account changes, reset; absent unless enabled', async t => {
  const app = await simulator(t)
  const state = (await app.inject({ url: '/__sim/state' })).json()
  t.match(state, { clock: 'manual', accounts: { 1: { jobs_created: 0, credits_charged: '0.0000', credits_refunded: '0.0000', balance: '1000.0000', storage_used: 0 }, 2: { user_id: 2 } } })
  t.match((await app.inject({ url: `/__sim/accounts/${OTHER_TOKEN}` })).json(), { user_id: 2 }, 'one account, named by its token')
  t.equal((await app.inject({ url: '/__sim/accounts/unknown' })).statusCode, 404)
  const patched = await app.inject({ method: 'PATCH', url: `/__sim/accounts/${TOKEN}`, payload: { balance: '5.5' } })
  t.match(patched.json(), { balance: '5.5000' })
  t.equal((await app.inject({ method: 'PATCH', url: `/__sim/accounts/${TOKEN}`, payload: { balance: 'lots' } })).statusCode, 400)
  t.equal((await app.inject({ method: 'PATCH', url: '/__sim/accounts/unknown', payload: {} })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/__sim/jobs/1/advance' })).statusCode, 404)
  t.match((await app.inject({ method: 'POST', url: '/__sim/reset', payload: {} })).json(), { accounts: { 1: { balance: '1000.0000' } } })
  const closed = await simulator(t, { controlApi: false })
  t.equal((await closed.inject({ url: '/__sim/state' })).statusCode, 404)
})

t.test('no control answer carries a token (issue 20, item 4)', async t => {
  const app = await simulator(t)
  const control = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) =>
    app.inject({ method, url: `/__sim${url}`, ...(payload ? { payload } : {}) })
  const answers = {
    'PUT /faults': await control('PUT', '/faults', { faults: [{ kind: 'latency', token: OTHER_TOKEN, delayMs: 0 }] }),
    'GET /faults': await control('GET', '/faults'),
    'GET /state': await control('GET', '/state'),
    'GET /accounts/{token}': await control('GET', `/accounts/${TOKEN}`),
    'PATCH /accounts/{token}': await control('PATCH', `/accounts/${TOKEN}`, { balance: '7' }),
    'POST /reset': await control('POST', '/reset', {})
  }
  for (const [route, answer] of Object.entries(answers)) {
    t.equal(answer.statusCode, 200, `${route}: ${answer.body}`)
    t.notOk(answer.body.includes(TOKEN) || answer.body.includes(OTHER_TOKEN), `${route}: no token`)
  }
  t.match(answers['GET /faults'].json(), { rules: [{ kind: 'latency', token: '[redacted]' }] }, 'a rule shows that it is limited to a token, not which')
})
