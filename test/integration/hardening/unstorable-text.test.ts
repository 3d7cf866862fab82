// Issue 20, item 2: PostgreSQL's text and jsonb refuse U+0000, and UTF-8 has no encoding for a UTF-16 surrogate
// without its pair. A request carrying either anywhere (a body field, a query value, a cursor's contents) is a 400
// in the plane's shape naming where, never a 500 and never stored mangled; a paired surrogate (an emoji) is text.
import t, { type Test } from 'tap'
import { adminBed, teamBody, type AdminBed } from '../../helpers/admin-bed.ts'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'
import { multipartBody } from '../../helpers/video-server.ts'
import { encodeCursor } from '../../../src/admin/pagination.ts'

const NUL = 'a\u0000b'
const LONE = 'a\ud800b'

t.test('data plane: unstorable text in a create is a ValidationError, and nothing moves', async t => {
  const bed = await dataPlaneBed(t)
  const before = { jobs: (await bed.sim.account()).jobs_created, ledger: await bed.ledger() }
  const url = bed.videos.url('clip-320x180-24fps-48f.mp4')
  const sent = [
    { label: 'JSON, NUL in a field', payload: { json: fromUrl(bed, { description: NUL }) }, field: 'description' },
    { label: 'JSON, lone surrogate in a field', payload: { json: fromUrl(bed, { description: LONE }) }, field: 'description' },
    { label: 'JSON, NUL in a field name', payload: { json: fromUrl(bed, { 'x\u0000': 1 }) }, field: 'x\u0000' },
    { label: 'JSON, NUL in video_url', payload: { json: fromUrl(bed, { video_url: `${url}?a=${NUL}` }) }, field: 'video_url' },
    {
      label: 'form, NUL',
      payload: { form: new URLSearchParams({ video_url: url, ml_models: '34', description: NUL }) },
      field: 'description'
    },
    {
      label: 'multipart, lone surrogate',
      payload: { multipart: multipartBody({ video_url: url, ml_models: '34', description: LONE }, []) },
      field: 'description'
    }
  ]
  for (const { label, payload, field } of sent) {
    const res = await bed.api.post('/api/jobs/from-url/', payload)
    t.equal(res.status, 400, label)
    t.match(res.body, { errors: { [field]: [String] }, non_field_errors: [], request_id: String }, label)
  }
  const upload = await bed.api.post('/api/jobs/', { json: { input_video: null, ml_models: [34], description: NUL } })
  t.equal(upload.status, 400, 'POST /api/jobs/ too')
  t.match(upload.body, { errors: { description: [String] } })

  const query = await bed.api.get('/api/jobs/?limit=%00')
  t.same([query.status, query.body.errors], [400, { limit: ['A valid integer is required.'] }], 'a NUL where a number goes')
  const unknown = await bed.api.get('/api/jobs/?search=%00')
  t.same([unknown.status, unknown.body.errors], [400, { search: ['Null characters are not allowed.'] }], 'a NUL in any query value, in DRF\'s words')
  t.same({ jobs: (await bed.sim.account()).jobs_created, ledger: await bed.ledger() }, before, 'no job, no ledger row')
})

async function refusedAt (t: Test, bed: AdminBed, sent: { method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown }, field: string) {
  const res = await bed.call(sent.method, sent.url, sent.body === undefined ? {} : { body: sent.body })
  const label = `${sent.method} ${sent.url} ${JSON.stringify(sent.body) ?? ''}`
  t.equal(res.status, 400, label)
  t.match(res.body, { error: 'bad_request', details: [{ field }], requestId: String }, label)
}

t.test('control plane: names, descriptions and reasons with unstorable text are a 400 on the field', async t => {
  const bed = await adminBed(t)
  const team = await bed.call('POST', '/admin/v1/teams', { body: teamBody('acme', { name: 'Acme 🎬' }) })
  t.equal(team.status, 201, 'a paired surrogate (an emoji) is text')
  t.equal((team.body as { name: string }).name, 'Acme 🎬')
  const before = { teams: await bed.gw.db.team.count(), audit: await bed.gw.db.auditEvent.count() }

  await refusedAt(t, bed, { method: 'POST', url: '/admin/v1/teams', body: teamBody('nul', { name: NUL }) }, 'body.name')
  await refusedAt(t, bed, { method: 'POST', url: '/admin/v1/teams', body: teamBody('lone', { name: LONE }) }, 'body.name')
  await refusedAt(t, bed, { method: 'PATCH', url: '/admin/v1/teams/acme', body: { name: LONE } }, 'body.name')
  await refusedAt(t, bed, { method: 'POST', url: '/admin/v1/teams/acme/keys', body: { name: NUL, scopes: ['jobs:read'] } }, 'body.name')
  await refusedAt(t, bed, { method: 'POST', url: '/admin/v1/teams/acme/webhooks', body: { url: 'https://hooks.example.com/tpx', description: NUL } }, 'body.description')
  await refusedAt(t, bed, { method: 'POST', url: '/admin/v1/teams/acme/budget/adjustments', body: { amount: '1', reason: LONE } }, 'body.reason')
  await refusedAt(t, bed, { method: 'GET', url: '/admin/v1/teams?name=%00' }, 'querystring.name')
  await refusedAt(t, bed, { method: 'GET', url: '/admin/v1/audit?action=%00' }, 'querystring.action')
  t.same({ teams: await bed.gw.db.team.count(), audit: await bed.gw.db.auditEvent.count() }, before, 'nothing written')
})

t.test('control plane: a crafted cursor is a 400 on query.cursor', async t => {
  const bed = await adminBed(t)
  t.equal((await bed.call('POST', '/admin/v1/teams', { body: teamBody('acme') })).status, 201)
  const webhook = await bed.call<{ id: string }>('POST', '/admin/v1/teams/acme/webhooks', { body: { url: 'https://hooks.example.com/tpx' } })
  const uuid = '00000000-0000-4000-8000-000000000000'
  const crafted = [
    { url: '/admin/v1/teams', key: 'acme\u0000' },
    { url: '/admin/v1/teams', key: LONE },
    { url: '/admin/v1/audit', key: '9999999999999999999' },
    { url: `/admin/v1/teams/acme/webhooks/${webhook.body.id}/deliveries`, key: '9223372036854775808' },
    { url: '/admin/v1/jobs', key: `-271821-04-20T00:00:00.000Z ${uuid}` },
    { url: '/admin/v1/jobs', key: `+275760-09-13T00:00:00.000Z ${uuid}` },
    { url: '/admin/v1/jobs', key: `2026-02-30T00:00:00.000Z ${uuid}` },
    { url: '/admin/v1/jobs', key: `2026-02-01\u0000 ${uuid}` }
  ]
  for (const { url, key } of crafted) {
    await refusedAt(t, bed, { method: 'GET', url: `${url}?cursor=${encodeCursor(key)}` }, 'query.cursor')
  }
})
