// No team is shown the master account's email (issue 20, item 7): TensorPix names it as `owner` of every video and
// in the upload create's echo, nested in jobs and pages; through the gateway each team sees its own slug there.
import t from 'tap'
import { dataPlaneBed } from '../../helpers/data-plane-bed.ts'
import { fixtureBytes, multipartBody } from '../../helpers/video-server.ts'
import type { Answer } from '../../helpers/http.ts'

t.test('every job and video answer names the team as owner, never the master account', async t => {
  const bed = await dataPlaneBed(t, { sim: { uploadReadyMs: 0 } })
  const master = (await bed.sim.account()).email
  const upload = multipartBody({}, [{ field: 'file', filename: 'clip.mp4', type: 'video/mp4', content: fixtureBytes('clip-320x180-24fps-48f.mp4') }])
  const uploaded = await bed.api.post('/api/videos/', { multipart: upload })
  t.equal(uploaded.status, 201, uploaded.text)
  const videoId = Number(uploaded.body.id)
  const body = { input_video: videoId, ml_models: [34] }
  const created = await bed.api.post('/api/jobs/', { json: body }, { 'idempotency-key': 'owner-1' })
  t.equal(created.status, 201, created.text)
  const jobId = Number(created.body.id)
  await bed.sim.complete(jobId)

  const answers: Record<string, Answer> = {
    'POST /api/videos/': uploaded,
    'GET /api/videos/{id}/': await bed.api.get(`/api/videos/${videoId}/`),
    'GET /api/videos/': await bed.api.get('/api/videos/'),
    'POST /api/jobs/': created,
    'POST /api/jobs/ replayed': await bed.api.post('/api/jobs/', { json: body }, { 'idempotency-key': 'owner-1' }),
    'GET /api/jobs/{id}/': await bed.api.get(`/api/jobs/${jobId}/`),
    'GET /api/jobs/': await bed.api.get('/api/jobs/')
  }
  t.match(answers['POST /api/jobs/ replayed']?.headers.get('idempotent-replayed'), 'true')
  for (const [route, res] of Object.entries(answers)) {
    t.ok(res.status < 300, `${route}: ${res.status}`)
    t.notOk(res.text.includes(master), `${route}: the master account's email is not shown`)
    t.ok(res.text.includes(`"owner":"${bed.team.slug}"`), `${route}: the team's slug is`)
  }
  const job = answers['GET /api/jobs/{id}/']?.body as { input_video: { owner: string }, output_video: { owner: unknown } }
  t.equal(job.input_video.owner, bed.team.slug)
  t.type(job.output_video.owner, 'number', "a restored video's owner stays TensorPix's user id")
})
