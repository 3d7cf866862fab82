// Data-plane authentication and scopes: gateway keys only, every refusal of a key identical, scopes per method.
import t from 'tap'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'
import { client } from '../../helpers/http.ts'
import { makeKey } from '../../helpers/factories.ts'
import { fixtureBytes, multipartBody } from '../../helpers/video-server.ts'

const NO_PERMISSION = 'You do not have permission to perform this action.'

t.test('missing, malformed, unknown, revoked and expired keys get the same 401', async t => {
  const bed = await dataPlaneBed(t)
  const revoked = await makeKey(bed.gw.db, { teamId: bed.team.id, scopes: ['jobs:read', 'jobs:write'] })
  await bed.gw.db.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } })
  const expired = await makeKey(bed.gw.db, { teamId: bed.team.id, scopes: ['jobs:read', 'jobs:write'], expiresAt: new Date(Date.now() - 1000) })
  const disabledTeam = await bed.newTeam({ disabled: true })
  const [, publicId] = /^tgw_([a-z2-7]{12})_/.exec(bed.key.key) ?? []
  const unknown = `tgw_${'a'.repeat(12)}_${'b'.repeat(43)}`
  const wrongSecret = `tgw_${String(publicId)}_${'c'.repeat(43)}`

  const cases: Array<[string, Record<string, string>]> = [
    ['no header', {}],
    ['empty header', { authorization: '' }],
    ['keyword only', { authorization: 'Token' }],
    ['unknown scheme', { authorization: `Basic ${bed.key.key}` }],
    ['not a gateway key', { authorization: 'Token abc123' }],
    ['the master token', { authorization: `Token ${bed.sim.token}` }],
    ['two words', { authorization: `Token ${bed.key.key} extra` }],
    ['unknown key', { authorization: `Token ${unknown}` }],
    ['known id, wrong secret', { authorization: `Token ${wrongSecret}` }],
    ['revoked key', { authorization: `Token ${revoked.key}` }],
    ['expired key', { authorization: `Token ${expired.key}` }],
    ['key of a disabled team', { authorization: `Token ${disabledTeam.key.key}` }]
  ]
  const anonymous = client(bed.origin, null)
  const jobsBefore = (await bed.sim.account()).jobs_created
  for (const [label, headers] of cases) {
    for (const [method, path] of [['GET', '/api/jobs/'], ['POST', '/api/jobs/from-url/'], ['GET', '/api/jobs/1001/'], ['GET', '/api/nowhere/']] as const) {
      const res = await anonymous.call(method, path, method === 'POST' ? { json: fromUrl(bed) } : undefined, headers)
      t.equal(res.status, 401, `${label}, ${method} ${path}: 401`)
      const { request_id: requestId, ...body } = res.body
      t.same(body, { detail: 'Invalid token.' }, `${label}: the one refusal body`)
      t.equal(requestId, res.headers.get('x-request-id'), `${label}: request_id`)
      t.equal(res.headers.get('www-authenticate'), 'Token', `${label}: WWW-Authenticate`)
    }
  }
  t.equal((await bed.sim.account()).jobs_created, jobsBefore, 'nothing was forwarded')
})

t.test('Token and Bearer both work; the keyword is case-insensitive', async t => {
  const bed = await dataPlaneBed(t)
  for (const scheme of ['Token', 'Bearer', 'token', 'BEARER']) {
    const res = await client(bed.origin, bed.key.key, scheme).get('/api/jobs/')
    t.equal(res.status, 200, scheme)
    t.same(res.body, { count: 0, next: null, previous: null, results: [] })
  }
})

t.test('scopes: jobs:read for reads, jobs:write for creates, cancels, uploads and deletes', async t => {
  const bed = await dataPlaneBed(t)
  // objects to aim at, made with the full key
  const job = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  const video = await bed.api.post('/api/videos/', {
    multipart: multipartBody({}, [{ field: 'file', filename: 'a.mp4', type: 'video/mp4', content: fixtureBytes('clip-320x180-24fps-48f.mp4') }])
  })
  await bed.sim.complete(Number(job.body.id))
  const finished = await bed.api.get(`/api/jobs/${String(job.body.id)}/`)
  const output = String((finished.body.output_video as { id: number }).id)

  const reader = client(bed.origin, (await makeKey(bed.gw.db, { teamId: bed.team.id, scopes: ['jobs:read'] })).key)
  const writer = client(bed.origin, (await makeKey(bed.gw.db, { teamId: bed.team.id, scopes: ['jobs:write'] })).key)
  const neither = client(bed.origin, (await makeKey(bed.gw.db, { teamId: bed.team.id, scopes: ['finance'] })).key)
  const platform = client(bed.origin, (await makeKey(bed.gw.db, { scopes: ['admin'] })).key)
  const platformJobs = client(bed.origin, (await makeKey(bed.gw.db, { teamId: null, scopes: ['admin', 'jobs:read', 'jobs:write'] })).key)

  const reads = [
    '/api/jobs/', `/api/jobs/${String(job.body.id)}/`, '/api/jobs/history/', `/api/jobs/history/${String(job.body.id)}/`,
    '/api/videos/', `/api/videos/${String(video.body.id)}/`, '/api/restored-videos/', `/api/restored-videos/${output}/`,
    '/api/accounts/profile/balance/', '/api/ml-models/'
  ]
  const writes: Array<[string, string, Parameters<typeof bed.api.call>[2]]> = [
    ['POST', '/api/jobs/from-url/', { json: fromUrl(bed) }],
    ['POST', '/api/jobs/', { json: { input_video: video.body.id, ml_models: [34] } }],
    ['DELETE', `/api/jobs/${String(job.body.id)}/`, undefined],
    ['POST', '/api/videos/', { multipart: multipartBody({}, [{ field: 'file', filename: 'b.mp4', type: 'video/mp4', content: fixtureBytes('clip-320x180-24fps-48f.mp4') }]) }],
    ['DELETE', `/api/videos/${String(video.body.id)}/`, undefined],
    ['DELETE', `/api/restored-videos/${output}/`, undefined]
  ]
  const before = await bed.sim.account()

  for (const path of reads) {
    t.equal((await reader.get(path)).status, 200, `jobs:read may GET ${path}`)
    for (const [name, c] of [['jobs:write only', writer], ['neither scope', neither], ['platform admin key', platform], ['platform key with job scopes', platformJobs]] as const) {
      const res = await c.get(path)
      t.equal(res.status, 403, `${name}: GET ${path} is 403`)
      t.match(res.body, { detail: NO_PERMISSION, request_id: String })
    }
  }
  for (const [method, path, payload] of writes) {
    for (const [name, c] of [['jobs:read only', reader], ['neither scope', neither], ['platform admin key', platform], ['platform key with job scopes', platformJobs]] as const) {
      const res = await c.call(method, path, payload)
      t.equal(res.status, 403, `${name}: ${method} ${path} is 403`)
      t.match(res.body, { detail: NO_PERMISSION, request_id: String })
    }
  }
  const after = await bed.sim.account()
  t.same([after.jobs_created, after.videos, after.restored_videos, after.jobs.canceled],
    [before.jobs_created, before.videos, before.restored_videos, before.jobs.canceled], 'no refused write reached TensorPix')

  // and jobs:write alone does create (the write scope is what creates need)
  t.equal((await writer.post('/api/jobs/from-url/', { json: fromUrl(bed) })).status, 201, 'jobs:write may create')
})

t.test('every data-plane answer carries x-request-id and server-timing', async t => {
  const bed = await dataPlaneBed(t)
  const anonymous = client(bed.origin, null)
  const answers = [
    await bed.api.get('/api/jobs/'),
    await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }),
    await bed.api.post('/api/jobs/from-url/', { json: { ml_models: [34] } }),
    await bed.api.get('/api/jobs/999999/'),
    await anonymous.get('/api/jobs/'),
    await client(bed.origin, (await makeKey(bed.gw.db, { scopes: ['admin'] })).key).get('/api/jobs/')
  ]
  for (const res of answers) {
    t.match(res.headers.get('x-request-id'), /^req_[0-9a-f-]{36}$/, `${res.status}: x-request-id`)
    t.match(res.headers.get('server-timing'), /^gateway;dur=\d+(\.\d+)?, upstream;dur=\d+(\.\d+)?$/, `${res.status}: server-timing`)
  }
  const forwarded = answers[1]?.headers.get('server-timing') ?? ''
  t.ok(Number(/upstream;dur=([\d.]+)/.exec(forwarded)?.[1]) > 0, 'a forwarded call reports upstream time')

  const traced = await bed.api.get('/api/jobs/', { 'x-request-id': 'client-trace-1' })
  t.equal(traced.headers.get('x-request-id'), 'client-trace-1', 'a sane caller id is kept')
  const tracedError = await bed.api.get('/api/jobs/999999/', { 'x-request-id': 'client-trace-2' })
  t.equal(tracedError.body.request_id, 'client-trace-2', 'and appears in error bodies')
})
