// Every limit on what a client controls answers in the plane's own error shape, and nothing refused reaches
// TensorPix or moves a credit.
import t, { type Test } from 'tap'
import { request as httpRequest } from 'node:http'
import { makeKey } from '../../helpers/factories.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { DATA_PLANE_BODY_BYTES, MAX_JSON_DEPTH } from '../../../src/http/limits.ts'
import { MAX_ML_MODELS } from '../../../src/tensorpix/requests.ts'

async function untouched (t: Test, bed: Bed, run: () => Promise<void>) {
  const before = { sim: (await bed.sim.account()).jobs_created, ledger: await bed.ledger(), usage: await bed.usage() }
  await run()
  t.same({ sim: (await bed.sim.account()).jobs_created, ledger: await bed.ledger(), usage: await bed.usage() }, before,
    'no upstream job, no ledger row, no usage change')
}

/** A raw GET with headers of any size (fetch refuses some of what we need to send). */
function rawGet (
  origin: string,
  path: string,
  headers: Record<string, string>
): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { headers }, res => {
      let body = ''
      res.on('data', chunk => { body += String(chunk) })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('data plane: size, depth, URL and list limits', async t => {
  const bed = await dataPlaneBed(t)
  await untouched(t, bed, async () => {
    const big = await bed.api.post('/api/jobs/from-url/', { raw: JSON.stringify({ ...fromUrl(bed), pad: 'x'.repeat(DATA_PLANE_BODY_BYTES) }), contentType: 'application/json' })
    t.equal(big.status, 413, 'a create body over 64 KiB')
    t.match(big.body, { detail: 'Request body is too large.', request_id: String })

    const deep = await bed.api.post('/api/jobs/from-url/', { raw: `{"video_url":"${bed.videos.url('clip-320x180-24fps-48f.mp4')}","ml_models":${'['.repeat(MAX_JSON_DEPTH + 5)}34${']'.repeat(MAX_JSON_DEPTH + 5)}}`, contentType: 'application/json' })
    t.equal(deep.status, 400, 'JSON nested too deep')
    t.match(deep.body, { errors: {}, non_field_errors: [/^Parse error - JSON nested deeper than 32 levels/] })

    const models = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed, { ml_models: Array.from({ length: MAX_ML_MODELS + 1 }, () => 34) }) })
    t.equal(models.status, 400, 'one ml_model too many')
    t.same(models.body.errors, { ml_models: [`Ensure this field has no more than ${MAX_ML_MODELS} elements.`] })

    const url = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed, { video_url: `http://127.0.0.1/${'a'.repeat(2049)}` }) })
    t.equal(url.status, 400, 'video_url over 2048 characters')
    t.same(url.body.errors, { video_url: ['Ensure this field has no more than 2048 characters.'] })

    const longUrl = await bed.api.get(`/api/jobs/?x=${'a'.repeat(5000)}`)
    t.equal(longUrl.status, 414, 'a request URL over MAX_URL_LENGTH')
    t.match(longUrl.body, { detail: 'Request URL is too long.', request_id: String })

    const headers = await rawGet(bed.origin, '/api/jobs/', { authorization: `Token ${bed.key.key}`, 'x-padding': 'y'.repeat(20_000) })
    t.equal(headers.status, 431, 'headers over MAX_HEADER_BYTES')
    t.same(JSON.parse(headers.body), { detail: 'Request header fields too large.' })
  })
  t.equal((await bed.api.get('/api/jobs/')).status, 200, 'the gateway still answers')
})

t.test('control plane: the same limits in the gateway envelope', async t => {
  const bed = await dataPlaneBed(t, { env: { MAX_BODY_BYTES: '4096' } })
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  const auditBefore = await bed.gw.db.auditEvent.count()
  const post = (payload: string) => bed.gw.app.inject({
    method: 'POST', url: '/admin/v1/teams', payload, headers: { authorization: `Bearer ${admin.key}`, 'content-type': 'application/json' }
  })
  const big = await post(JSON.stringify({ slug: 'big', name: 'x'.repeat(5000) }))
  t.equal(big.statusCode, 413)
  t.match(big.json(), { error: 'body_too_large', message: 'Request body is too large', requestId: String })
  const deep = await post(`{"slug":"deep","name":${'['.repeat(100)}${']'.repeat(100)}}`)
  t.equal(deep.statusCode, 400)
  t.match(deep.json(), { error: 'malformed_body', message: 'JSON nested deeper than 32 levels', requestId: String })
  const long = await bed.gw.app.inject({ method: 'GET', url: `/admin/v1/teams?name=${'a'.repeat(5000)}`, headers: { authorization: `Bearer ${admin.key}` } })
  t.equal(long.statusCode, 414)
  t.match(long.json(), { error: 'uri_too_long', requestId: String })
  t.equal(await bed.gw.db.auditEvent.count(), auditBefore, 'no audit row: nothing was written')
})
