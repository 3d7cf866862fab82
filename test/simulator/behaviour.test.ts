// The behaviours TensorPix leaves undocumented, each way the simulator can play them: set at start (`behaviour`)
// or at runtime (PUT /__sim/behaviour), with today's guesses as the defaults.
import t from 'tap'
import type { SimApp } from '../../src/simulator/index.ts'
import { DEFAULT_BEHAVIOUR } from '../../src/simulator/behaviour.ts'
import { normalisedSourceUrl } from '../../src/simulator/source-url.ts'
import { auth, fixture, multipartFile, simulator, sourceServer } from './helpers.ts'

type Source = Awaited<ReturnType<typeof sourceServer>>

const fromUrl = async (app: SimApp, src: Source, extra: Record<string, unknown> = {}) => {
  const res = await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { video_url: src.url('/clip.mov'), ml_models: [34], ...extra } })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json() as { id: number, cost_usd: string }
}
const get = async (app: SimApp, url: string) => (await app.inject({ url, headers: auth() })).json()
const control = async (app: SimApp, method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) =>
  app.inject({ method, url: `/__sim${url}`, ...(payload ? { payload } : {}) })
const ids = (page: { results: Array<{ id: number }> }) => page.results.map(job => job.id)

/** An uploaded 48-frame 320×180 clip (id 5001) whose file is ready. */
async function readyUpload (app: SimApp) {
  const upload = multipartFile('file', 'clip.mp4', 'video/mp4', fixture('clip-320x180-24fps-48f.mp4'))
  await app.inject({ method: 'POST', url: '/api/videos/', headers: { ...auth(), ...upload.headers }, payload: upload.payload })
  await control(app, 'POST', '/clock/advance', { ms: 1000 })
}

t.test('the defaults are the original guesses, readable and changeable at runtime, and reset restores the option', async t => {
  const app = await simulator(t, { behaviour: { jobListOrder: 'oldest' } })
  t.same((await control(app, 'GET', '/behaviour')).json(), { ...DEFAULT_BEHAVIOUR, jobListOrder: 'oldest' })
  const changed = await control(app, 'PUT', '/behaviour', { echo: 'normalised', cancelRefund: { processing: '0.5' } })
  t.equal(changed.statusCode, 200, changed.body)
  t.same(changed.json(), {
    ...DEFAULT_BEHAVIOUR, jobListOrder: 'oldest', echo: 'normalised', cancelRefund: { queued: '1', processing: '0.5' }
  }, 'a partial change keeps every other field, nested ones too')
  for (const bad of [{ echo: 'loose' }, { failureRefund: '1.5' }, { failureRefund: '0.12345' }, { cancelRefund: { later: '1' } }, { colour: 'red' }]) {
    const res = await control(app, 'PUT', '/behaviour', bad)
    t.equal(res.statusCode, 400, JSON.stringify(bad))
  }
  await control(app, 'POST', '/reset', {})
  t.same((await control(app, 'GET', '/behaviour')).json(), { ...DEFAULT_BEHAVIOUR, jobListOrder: 'oldest' })
  await t.rejects(simulator(t, { behaviour: { failureRefund: '2' } as never }), /invalid simulator behaviour/)
})

t.test('jobListOrder orders the job list and the history list', async t => {
  const app = await simulator(t)
  const src = await sourceServer(t)
  for (let i = 0; i < 3; i++) await fromUrl(app, src)
  t.same(ids(await get(app, '/api/jobs/')), [1003, 1002, 1001], 'newest first by default')
  t.same(ids(await get(app, '/api/jobs/history/')), [1003, 1002, 1001])
  await control(app, 'PUT', '/behaviour', { jobListOrder: 'oldest' })
  t.same(ids(await get(app, '/api/jobs/')), [1001, 1002, 1003])
  t.same(ids(await get(app, '/api/jobs/history/')), [1001, 1002, 1003])
  const page = await get(app, '/api/jobs/?limit=2&offset=2')
  t.same(ids(page), [1003], 'pages follow the order')
})

t.test('startedMeaning: creation time, or processing start and null while queued', async t => {
  const app = await simulator(t)
  const src = await sourceServer(t)
  const created = new Date((await control(app, 'GET', '/state')).json().now).toISOString()
  const { id } = await fromUrl(app, src)
  t.equal((await get(app, `/api/jobs/${id}/`)).started, created, 'created by default')
  await control(app, 'PUT', '/behaviour', { startedMeaning: 'processing' })
  t.equal((await get(app, `/api/jobs/${id}/`)).started, null, 'queued: not started')
  t.equal((await get(app, `/api/jobs/history/${id}/`)).started, null)
  await control(app, 'POST', '/clock/advance', { ms: 2500 })
  const processing = new Date(Date.parse(created) + 2000).toISOString()
  t.match(await get(app, `/api/jobs/${id}/`), { status: 1, started: processing }, 'the end of the 2 s queue')
  t.equal((await get(app, '/api/jobs/')).results[0].started, processing)
  const cancelledInQueue = await fromUrl(app, src)
  await app.inject({ method: 'DELETE', url: `/api/jobs/${cancelledInQueue.id}/`, headers: auth() })
  t.equal((await get(app, `/api/jobs/${cancelledInQueue.id}/`)).started, null, 'cancelled before it ever started')
})

t.test('echo verbatim (default) or normalised: omitted frames filled in, the source URL serialised', async t => {
  const app = await simulator(t)
  const src = await sourceServer(t)
  await readyUpload(app)
  const create = async (body: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: '/api/jobs/', headers: auth(), payload: { input_video: 5001, ml_models: [34], ...body } })
    t.equal(res.statusCode, 201, res.body)
    return res.json()
  }
  const frames = (job: { start_frame: unknown, end_frame: unknown }) => [job.start_frame, job.end_frame]
  const sent = src.url('/clip.mov').replace('http://127.0.0.1', 'HTTP://localhost').replace('/clip.mov', '/media/../clip.mov#t=2')

  const verbatim = await create({})
  t.same(frames(verbatim), [null, null], 'verbatim: omitted stays null')
  t.same(frames(await get(app, `/api/jobs/${verbatim.id}/`)), [null, null])
  const rawSource = await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { video_url: sent, ml_models: [34] } })
  t.equal(rawSource.statusCode, 201, rawSource.body)
  t.equal((await get(app, `/api/jobs/${rawSource.json().id}/`)).input_video.external_url, sent)

  await control(app, 'PUT', '/behaviour', { echo: 'normalised' })
  const whole = await create({})
  t.same(frames(whole), [0, 48], 'the whole 48-frame clip')
  t.same(frames(await get(app, `/api/jobs/${whole.id}/`)), [0, 48], 'the job answers the same')
  t.same(frames(await create({ start_frame: 10 })), [10, 48])
  t.same(frames(await create({ end_frame: 20 })), [0, 20], 'a given end_frame stays')
  t.same(frames(await create({ preview: true, start_frame: 30 })), [30, 48], 'a preview: ~10 s from start_frame, clamped')
  t.same(frames(await create({ preview: true })), [0, 48])
  t.equal(whole.cost_usd, verbatim.cost_usd, 'the price does not change')
  const normalised = await app.inject({ method: 'POST', url: '/api/jobs/from-url/', headers: auth(), payload: { video_url: sent, ml_models: [34] } })
  t.equal(normalised.statusCode, 201, normalised.body)
  const job = await get(app, `/api/jobs/${normalised.json().id}/`)
  t.equal(job.input_video.external_url, src.url('/clip.mov').replace('127.0.0.1', 'localhost'))
  t.same(frames(job), [0, 25], 'from-url jobs too')

  await control(app, 'PUT', '/behaviour', { echo: 'verbatim' })
  t.same(frames(await get(app, `/api/jobs/${whole.id}/`)), [0, 48], 'the echo was stored when the job was created')
})

t.test('the normalised source URL is the WHATWG serialisation without the fragment', async t => {
  for (const [given, stored] of [
    ['HTTPS://Cdn.Example.COM:443/a/./b/../clip.mp4#t=3', 'https://cdn.example.com/a/clip.mp4'],
    ['http://example.com:80', 'http://example.com/'],
    ['http://example.com:8080/my clip.mp4?sig=a b', 'http://example.com:8080/my%20clip.mp4?sig=a%20b'],
    ['https://bücher.example/v.mp4', 'https://xn--bcher-kva.example/v.mp4'],
    ['https://example.com/v.mp4?X-Amz-Signature=abc', 'https://example.com/v.mp4?X-Amz-Signature=abc']
  ] as const) t.equal(normalisedSourceUrl(new URL(given)), stored, given)
})

t.test('outputVideoAfterPolls: a finished job shows its output only after that many GETs of it', async t => {
  const app = await simulator(t, { behaviour: { outputVideoAfterPolls: 3 } })
  const src = await sourceServer(t)
  const { id } = await fromUrl(app, src)
  const other = await fromUrl(app, src)
  t.equal((await get(app, `/api/jobs/${id}/`)).output_video, null, 'GETs before it finished do not count')
  const settled = (await control(app, 'POST', `/jobs/${id}/complete`)).json()
  t.match(settled, { status: 2, output_video: null }, 'nor does the control API')
  const shown = (job: { output_video: unknown }) => job.output_video !== null
  t.same([
    shown(await get(app, `/api/jobs/${id}/`)),
    shown((await get(app, '/api/jobs/')).results.find((job: { id: number }) => job.id === id)),
    shown(await get(app, `/api/jobs/history/${id}/`)),
    shown(await get(app, `/api/jobs/${id}/`)),
    shown((await get(app, '/api/jobs/')).results.find((job: { id: number }) => job.id === id))
  ], [false, false, false, true, true], 'detail, list and history GETs all count')
  t.match((await get(app, `/api/jobs/${id}/`)).output_video, { id: 9001, job_id: id })
  t.equal((await get(app, '/api/restored-videos/')).count, 1, 'the restored video itself is listed at once')
  await control(app, 'POST', `/jobs/${other.id}/complete`)
  await control(app, 'PUT', '/behaviour', { outputVideoAfterPolls: 0 })
  t.match(await get(app, `/api/jobs/${other.id}/`), { status: 2, output_video: { id: 9002 } }, '0: the first GET shows it')
})

interface JobCharge { id: number, status: number, charged: string, refunded: string, net: string }
interface Money { balance: string, credits_charged: string, credits_refunded: string, job_charges: JobCharge[] }
const money = async (app: SimApp): Promise<Money> => Object.values((await control(app, 'GET', '/state')).json().accounts)[0] as Money
const cancel = async (app: SimApp, id: number) => {
  const res = await app.inject({ method: 'DELETE', url: `/api/jobs/${id}/`, headers: auth() })
  if (res.statusCode !== 204) throw new Error(res.body)
}

t.test('cancel refunds and what a cancelled job reports: net (default) or gross', async t => {
  const app = await simulator(t)
  const src = await sourceServer(t)
  // each job costs 0.0625 (25 frames of 1280×720 through 200% upscale)
  const queued = await fromUrl(app, src)
  const processing = await fromUrl(app, src)
  await control(app, 'POST', `/jobs/${processing.id}/advance`)
  await cancel(app, queued.id)
  await cancel(app, processing.id)
  t.equal((await get(app, `/api/jobs/${queued.id}/`)).cost_usd, '0.0000', 'default: all back while queued, net')
  t.equal((await get(app, `/api/jobs/${processing.id}/`)).cost_usd, '0.0125', 'default: 80% back while processing')

  await control(app, 'PUT', '/behaviour', { cancelRefund: { queued: '0.5', processing: '0' }, cancelCostReport: 'gross' })
  const half = await fromUrl(app, src)
  const none = await fromUrl(app, src)
  await control(app, 'POST', `/jobs/${none.id}/advance`)
  await cancel(app, half.id)
  await cancel(app, none.id)
  for (const { id } of [queued, processing, half, none]) {
    t.equal((await get(app, `/api/jobs/${id}/`)).cost_usd, '0.0625', `gross: job ${id} still reports its cost`)
  }
  t.equal((await get(app, '/api/jobs/')).results[0].cost_usd, '0.0625', 'the list too')
  const state = await money(app)
  t.same(state.job_charges, [
    { id: queued.id, status: -2, charged: '0.0625', refunded: '0.0625', net: '0.0000' },
    { id: processing.id, status: -2, charged: '0.0625', refunded: '0.0500', net: '0.0125' },
    { id: half.id, status: -2, charged: '0.0625', refunded: '0.0313', net: '0.0312' },
    { id: none.id, status: -2, charged: '0.0625', refunded: '0.0000', net: '0.0625' }
  ], 'the state says what each job really cost; 0.03125 rounds half up to 0.0313')
  t.match(state, { balance: '999.8938', credits_charged: '0.2500', credits_refunded: '0.1438' }, 'and the account agrees')
})

t.test('failure refunds and what a failed job reports: net (default) or gross', async t => {
  const app = await simulator(t)
  const src = await sourceServer(t)
  const full = await fromUrl(app, src)
  await control(app, 'POST', `/jobs/${full.id}/fail`)
  t.match(await get(app, `/api/jobs/${full.id}/`), { status: -1, cost_usd: '0.0000' }, 'default: all back, net')

  await control(app, 'PUT', '/behaviour', { failureRefund: '0.3' })
  const part = await fromUrl(app, src)
  await control(app, 'POST', `/jobs/${part.id}/fail`)
  t.equal((await get(app, `/api/jobs/${part.id}/`)).cost_usd, '0.0437', 'net: 0.0625 - 0.0188 (0.01875 rounded half up)')
  await control(app, 'PUT', '/behaviour', { failureRefund: '0', failureCostReport: 'gross' })
  const kept = await fromUrl(app, src)
  await control(app, 'POST', `/jobs/${kept.id}/advance`)
  t.match((await control(app, 'POST', `/jobs/${kept.id}/fail`)).json(), { status: -1, cost_usd: '0.0625' }, 'nothing back')
  const failedByTime = await simulator(t, { failureRate: 1, behaviour: { failureRefund: '0.5', failureCostReport: 'gross' } })
  const timed = await fromUrl(failedByTime, src)
  await control(failedByTime, 'POST', '/clock/advance', { ms: 10_000 })
  t.match(await get(failedByTime, `/api/jobs/${timed.id}/`), { status: -1, cost_usd: '0.0625' }, 'failures drawn by failureRate too')
  t.match(await money(failedByTime), { balance: '999.9688', credits_refunded: '0.0313' })

  for (const { id } of [full, part]) t.equal((await get(app, `/api/jobs/${id}/`)).cost_usd, '0.0625', 'gross reports the cost')
  const state = await money(app)
  t.same(state.job_charges.map(job => [job.id, job.refunded, job.net]), [
    [full.id, '0.0625', '0.0000'], [part.id, '0.0188', '0.0437'], [kept.id, '0.0000', '0.0625']
  ])
  t.match(state, { balance: '999.8938', credits_charged: '0.1875', credits_refunded: '0.0813' })
})
