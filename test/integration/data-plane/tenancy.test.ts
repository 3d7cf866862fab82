// Tenancy: all teams share one TensorPix account, so the gateway alone keeps them apart. Team B must find none of
// team A's objects, by id or in any list, and the refusal must read exactly like a missing id.
import t from 'tap'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'
import { type Answer, type Doc } from '../../helpers/http.ts'
import { fixtureBytes, multipartBody } from '../../helpers/video-server.ts'

const upload = () => ({
  multipart: multipartBody({}, [{ field: 'file', filename: 'a.mp4', type: 'video/mp4', content: fixtureBytes('clip-320x180-24fps-48f.mp4') }])
})

const ids = (answer: Answer) => answer.list.map(item => item.id)

t.test('team B cannot reach, list or use team A\'s objects', async t => {
  const bed = await dataPlaneBed(t)
  const a = bed.api
  const b = (await bed.newTeam()).api

  // team A: a finished job with an output, a queued job, an upload
  const finished = await a.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  const queued = await a.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  const video = await a.post('/api/videos/', upload())
  t.same([finished.status, queued.status, video.status], [201, 201, 201])
  await bed.sim.complete(Number(finished.body.id))
  const job = await a.get(`/api/jobs/${String(finished.body.id)}/`)
  const output = (job.body.output_video as Doc).id
  t.type(output, 'number', 'team A sees its output')
  await bed.sim.control('POST', '/clock/advance', { ms: 1500 })

  // team B: one job of its own, so its lists are not trivially empty
  const own = await b.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(own.status, 201)

  const routes: Array<[string, string]> = [
    ['GET', `/api/jobs/${String(finished.body.id)}/`],
    ['GET', `/api/jobs/${String(queued.body.id)}/`],
    ['DELETE', `/api/jobs/${String(queued.body.id)}/`],
    ['GET', `/api/jobs/history/${String(finished.body.id)}/`],
    ['GET', `/api/videos/${String(video.body.id)}/`],
    ['GET', `/api/videos/${String(finished.body.input_video)}/`],
    ['DELETE', `/api/videos/${String(video.body.id)}/`],
    ['GET', `/api/restored-videos/${String(output)}/`],
    ['DELETE', `/api/restored-videos/${String(output)}/`]
  ]
  for (const [method, path] of routes) {
    const theirs = await b.call(method, path)
    const missing = await b.call(method, path.replace(/\/\d+\/$/, '/2000000000/'))
    t.equal(theirs.status, 404, `${method} ${path}: 404`)
    const { request_id: r1, ...body } = theirs.body
    const { request_id: r2, ...missingBody } = missing.body
    t.same(body, { detail: 'Not found.' }, `${method} ${path}: {detail: "Not found."}`)
    t.same([missing.status, missingBody], [theirs.status, body], `${method} ${path}: exactly as for an id that does not exist`)
    t.ok(r1 && r2, 'both carry a request id')
  }

  // nothing was changed at TensorPix by those attempts
  const still = await a.get(`/api/jobs/${String(queued.body.id)}/`)
  t.equal(still.body.status, 0, 'A\'s queued job was not cancelled')
  t.equal((await a.get(`/api/videos/${String(video.body.id)}/`)).status, 200, 'A\'s upload was not deleted')
  t.equal((await a.get(`/api/restored-videos/${String(output)}/`)).status, 200, 'A\'s output was not deleted')

  // lists: B sees only its own
  const aIds = new Set([
    finished.body.id, queued.body.id, video.body.id, finished.body.input_video, queued.body.input_video, output
  ])
  for (const path of ['/api/jobs/', '/api/jobs/history/', '/api/videos/', '/api/restored-videos/']) {
    const list = await b.get(path)
    t.equal(list.status, 200, `${path}: 200`)
    t.notOk(ids(list).some(id => aIds.has(id)), `${path}: none of team A's objects`)
    t.equal(list.body.count, list.list.length, `${path}: count is B's own`)
  }
  t.same(ids(await b.get('/api/jobs/')), [own.body.id], 'B\'s job list is its one job')
  t.same(ids(await b.get('/api/jobs/history/')), [own.body.id])
  t.same(ids(await b.get('/api/videos/')), [own.body.input_video], 'B\'s videos are its own input')
  t.same(ids(await b.get('/api/restored-videos/')), [])

  // and A still sees everything of its own, nothing of B's
  t.same(ids(await a.get('/api/jobs/')), [queued.body.id, finished.body.id])
  t.same(new Set(ids(await a.get('/api/videos/'))), new Set([video.body.id, finished.body.input_video, queued.body.input_video]))
  t.same(ids(await a.get('/api/restored-videos/')), [output])

  // B cannot start a job on A's upload (TensorPix would accept it: one shared account)
  const jobsBefore = (await bed.sim.account()).jobs_created
  const steal = await b.post('/api/jobs/', { json: { input_video: video.body.id, ml_models: [34] } })
  t.equal(steal.status, 400)
  t.match(steal.body, { errors: { input_video: [`Invalid pk "${String(video.body.id)}" - object does not exist.`] }, non_field_errors: [] })
  const stealForm = await b.post('/api/jobs/', { form: new URLSearchParams([['input_video', String(video.body.id)], ['ml_models', '34']]) })
  t.equal(stealForm.status, 400, 'form-encoded too')
  t.match(stealForm.body, { errors: { input_video: Array } })
  const stealInput = await b.post('/api/jobs/', { json: { input_video: finished.body.input_video, ml_models: [34] } })
  t.equal(stealInput.status, 400, 'nor on the input video of A\'s from-url job')
  t.equal((await bed.sim.account()).jobs_created, jobsBefore, 'nothing was forwarded')
  const jobRows = await bed.gw.db.job.count({ where: { teamId: (await bed.gw.db.apiKey.findUniqueOrThrow({ where: { id: bed.key.id } })).teamId ?? '' } })
  t.equal(jobRows, 2, 'A still has its two jobs')

  // A itself can
  t.equal((await a.post('/api/jobs/', { json: { input_video: video.body.id, ml_models: [34] } })).status, 201)
})

t.test('a video deleted by its team is gone for it too', async t => {
  const bed = await dataPlaneBed(t)
  const video = await bed.api.post('/api/videos/', upload())
  t.equal((await bed.api.delete(`/api/videos/${String(video.body.id)}/`)).status, 204)
  t.equal((await bed.api.get(`/api/videos/${String(video.body.id)}/`)).status, 404)
  t.same(ids(await bed.api.get('/api/videos/')), [])
  const owned = await bed.gw.db.mediaObject.findFirstOrThrow({ where: { upstreamId: Number(video.body.id) } })
  t.ok(owned.deletedAt, 'the ownership row is marked deleted')
})
