// The typed TensorPix client against the simulator: every method reaches its endpoint, `ok` is true exactly for the
// endpoint's success status, and a success body has the shape its type promises.
import t, { type Test } from 'tap'
import { Readable } from 'node:stream'
import { startTestSimulator } from '../../helpers/simulator.ts'
import { tensorpixClient } from '../../helpers/upstream.ts'
import { fixtureBytes, startVideoServer } from '../../helpers/video-server.ts'

const caller = { requestId: 'client-test' }

async function clientFor (t: Test) {
  const sim = await startTestSimulator(t)
  return { sim, api: tensorpixClient(t, sim) }
}

function multipart (name: string, bytes: Buffer) {
  const boundary = 'tpxclienttest'
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      'Content-Type: video/mp4\r\n\r\n'),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`)
  ])
  return { stream: Readable.from([body]), contentType: `multipart/form-data; boundary=${boundary}`, contentLength: body.length }
}

t.test('jobs: create, read, list, history and cancel', async t => {
  const { api } = await clientFor(t)
  const videos = await startVideoServer(t)
  const created = await api.createJob({ source: 'from-url', body: { video_url: videos.url('clip-320x180-24fps-48f.mp4'), ml_models: [34] } }, caller)
  t.equal(created.status, 201)
  if (!created.ok) throw new Error('the create was refused')
  t.type(created.body.id, 'number', 'a created job has a numeric id')
  t.match(created.body.cost_usd, /^\d+\.\d{4}$/, 'and its cost as a 4-place decimal string')

  const read = await api.getJob(created.body.id, caller)
  t.ok(read.ok, 'GET /api/jobs/{id}/ is ok')
  if (read.ok) t.equal(read.body.id, created.body.id)

  const listed = await api.listJobs({ limit: 10, offset: 0 }, caller)
  t.ok(listed.ok, 'GET /api/jobs/ is ok')
  if (listed.ok) t.ok(listed.body.results.some(job => job.id === created.body.id), 'the list holds the new job')

  const history = await api.getHistoryJob(created.body.id, caller)
  t.ok(history.ok, 'GET /api/jobs/history/{id}/ is ok')

  const cancelled = await api.cancelJob(created.body.id, caller)
  t.equal(cancelled.status, 204, 'DELETE /api/jobs/{id}/ answers 204')
  t.ok(cancelled.ok)

  const missing = await api.getJob(999_999, caller)
  t.equal(missing.status, 404)
  t.notOk(missing.ok, 'a 404 is not ok')
})

t.test('media: upload, read and delete a video', async t => {
  const { api } = await clientFor(t)
  const upload = multipart('clip.mp4', fixtureBytes('clip-320x180-24fps-48f.mp4'))
  const uploaded = await api.uploadVideo(
    upload.stream, { contentType: upload.contentType, contentLength: upload.contentLength }, caller
  )
  t.equal(uploaded.status, 201)
  if (!uploaded.ok) throw new Error('the upload was refused')
  const read = await api.getMedia('video', uploaded.body.id, caller)
  t.ok(read.ok, 'GET /api/videos/{id}/ is ok')
  const deleted = await api.deleteMedia('video', uploaded.body.id, caller)
  t.ok(deleted.ok, 'DELETE /api/videos/{id}/ is ok')
  t.notOk((await api.getMedia('restored_video', uploaded.body.id, caller)).ok, 'no enhanced video has that id')
})

t.test('models and the master balance', async t => {
  const { api } = await clientFor(t)
  const models = await api.listModels({ page: 1, page_size: 5 }, caller)
  t.ok(models.ok, 'GET /api/ml-models/ is ok')
  if (models.ok) t.ok(models.body.results.length > 0 && models.body.results.every(m => typeof m.cost_weight === 'number'))
  const balance = await api.balance(caller)
  t.ok(balance.ok, 'GET /api/accounts/profile/balance/ is ok')
  if (balance.ok) t.match(balance.body.balance_usd, /^-?\d+\.\d{4}$/)
})
