// The admin job search and a job's timeline: filters, newest-first keyset pages, scopes, and the timeline of real
// jobs created, finished, failed and refused through the data plane against the simulator.
import t from 'tap'
import type { Db } from '../../../src/db/client.ts'
import { makeKey, makeTeam } from '../../helpers/factories.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { adminBed, type AdminPage } from '../../helpers/admin-bed.ts'
import { client } from '../../helpers/http.ts'

type JobState = 'pending' | 'queued' | 'processing' | 'finished' | 'failed' | 'cancelled'

async function job (db: Db, owner: { teamId: string, apiKeyId: string }, state: JobState, createdAt: Date) {
  return db.job.create({
    data: { ...owner, source: 'from-url', state, request: {}, periodStart: new Date('2026-11-01'), createdAt }
  })
}

type Jobs = AdminPage<{ id: string }>
const ids = (page: Jobs) => page.items.map(item => item.id)

t.test('search: every team newest first, filtered by team, key, state and time, keyset pages', async t => {
  const bed = await adminBed(t)
  const db = bed.gw.db
  const red = await makeTeam(db, { slug: 'red', name: 'Red' })
  const blue = await makeTeam(db, { slug: 'blue', name: 'Blue' })
  const redKey = await makeKey(db, { teamId: red.id, scopes: ['jobs:write'], name: 'red-worker' })
  const redOther = await makeKey(db, { teamId: red.id, scopes: ['jobs:write'], name: 'red-batch' })
  const blueKey = await makeKey(db, { teamId: blue.id, scopes: ['jobs:write'], name: 'blue-worker' })
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute))
  const created = [
    await job(db, { teamId: red.id, apiKeyId: redKey.id }, 'finished', at(1)),
    await job(db, { teamId: blue.id, apiKeyId: blueKey.id }, 'failed', at(2)),
    await job(db, { teamId: red.id, apiKeyId: redOther.id }, 'processing', at(3)),
    // three jobs in one millisecond: the id breaks the tie, so pages neither repeat nor skip them
    await job(db, { teamId: red.id, apiKeyId: redKey.id }, 'queued', at(4)),
    await job(db, { teamId: blue.id, apiKeyId: blueKey.id }, 'queued', at(4)),
    await job(db, { teamId: red.id, apiKeyId: redKey.id }, 'finished', at(4))
  ]
  const newestFirst = [...created]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
    .map(j => j.id)

  const all = (await bed.call<Jobs>('GET', '/admin/v1/jobs', { key: bed.finance.key })).body
  t.same(ids(all), newestFirst)
  t.equal(all.nextCursor, null)
  t.match(all.items.find((j: { id: string }) => j.id === created[0]?.id), {
    teamSlug: 'red',
    teamName: 'Red',
    keyId: redKey.id,
    keyName: 'red-worker',
    keyPrefix: redKey.key.slice(0, 16),
    state: 'finished',
    upstreamId: null,
    estimatedCost: '0.0000',
    actualCost: null,
    refundedCost: '0.0000',
    netCost: '0.0000',
    createdAt: at(1).toISOString()
  })

  const filtered = async (query: string) => ids((await bed.call<Jobs>('GET', `/admin/v1/jobs?${query}`)).body)
  t.same(await filtered('team=blue'), newestFirst.filter(id => [created[1], created[4]].some(j => j?.id === id)))
  t.same(await filtered(`key=${redOther.id}`), [created[2]?.id])
  t.same(await filtered('state=finished'), newestFirst.filter(id => [created[0], created[5]].some(j => j?.id === id)))
  t.same(await filtered(`team=red&state=queued&key=${redKey.id}`), [created[3]?.id])
  t.same(await filtered(`from=${at(2).toISOString()}&to=${at(4).toISOString()}`), [created[2]?.id, created[1]?.id])
  t.same(await filtered(`team=blue&key=${redKey.id}`), [], 'filters combine')

  const pages: string[] = []
  let cursor: string | null = null
  do {
    const page: { items: Array<{ id: string }>, nextCursor: string | null } =
      (await bed.call<Jobs>('GET', `/admin/v1/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body
    t.ok(page.items.length <= 2)
    pages.push(...ids(page))
    cursor = page.nextCursor
  } while (cursor !== null)
  t.same(pages, newestFirst, 'cursor pages walk every job once, in order')
  t.same(await filtered('limit=2&offset=4'), newestFirst.slice(4))

  const unknownTeam = await bed.call('GET', '/admin/v1/jobs?team=nobody')
  t.equal(unknownTeam.status, 404)
  t.match(unknownTeam.body, { error: 'not_found', message: 'Team nobody not found' })
  const bad = await bed.call('GET', '/admin/v1/jobs?state=lost&key=nope&from=yesterday&limit=0')
  t.equal(bad.status, 400)
  t.same((bad.body.details as Array<{ field: string }>).map(d => d.field).sort(),
    ['querystring.from', 'querystring.key', 'querystring.limit', 'querystring.state'])
  const foreign = Buffer.from(JSON.stringify(['2026-11-20T10:04:00.000Z x'])).toString('base64url')
  t.match((await bed.call('GET', `/admin/v1/jobs?cursor=${foreign}`)).body, { error: 'bad_request', details: [{ field: 'query.cursor' }] })
})

t.test('jobs are read with admin or finance keys only', async t => {
  const bed = await adminBed(t)
  t.equal((await bed.call('GET', '/admin/v1/jobs', { key: bed.jobs.key })).status, 403)
  t.equal((await bed.call('GET', '/admin/v1/jobs', { key: null })).status, 401)
  t.equal((await bed.call('GET', '/admin/v1/jobs/6f1f5a8e-0000-4000-8000-000000000000', { key: bed.jobs.key })).status, 403)
  const missing = await bed.call('GET', '/admin/v1/jobs/6f1f5a8e-0000-4000-8000-000000000000', { key: bed.finance.key })
  t.equal(missing.status, 404)
  t.equal((await bed.call('GET', '/admin/v1/jobs/not-a-uuid')).status, 400)
})

t.test('whoami names the calling key and whether it may manage', async t => {
  const bed = await adminBed(t)
  t.same((await bed.call('GET', '/admin/v1/whoami', { key: bed.finance.key })).body, {
    keyId: bed.finance.id, name: 'finance-bot', prefix: bed.finance.key.slice(0, 16), scopes: ['finance'], canManage: false
  })
  t.match((await bed.call('GET', '/admin/v1/whoami')).body, { keyId: bed.admin.id, scopes: ['admin'], canManage: true })
  t.equal((await bed.call('GET', '/admin/v1/whoami', { key: bed.jobs.key })).status, 403)
})

interface Timeline { kind: string, amount: string | null, description: string, at: string }

async function timelineOf (bed: Bed, adminKey: string, where: { upstreamId: number } | { state: 'rejected' }) {
  const row = await bed.gw.db.job.findFirstOrThrow({ where })
  const res = await client(bed.origin, adminKey, 'Bearer')
    .get<{ state: string, upstreamId: number, netCost: string, timeline: Timeline[] }>(`/admin/v1/jobs/${row.id}`)
  if (res.status !== 200) throw new Error(`GET /admin/v1/jobs/${row.id}: ${res.status}`)
  return res.body
}

const kinds = (timeline: Timeline[]) => timeline.map(e => e.amount === null ? e.kind : `${e.kind} ${e.amount}`)

t.test('timeline: creation, hold, submission, settlement and the terminal status of real jobs', async t => {
  const bed = await dataPlaneBed(t)
  const admin = await makeKey(bed.gw.db, { scopes: ['finance'] })

  const done = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(done.status, 201)
  const cost = String(done.body.cost_usd)
  const upstreamId = Number(done.body.id)
  const running = await timelineOf(bed, admin.key, { upstreamId })
  t.same(kinds(running.timeline), ['created', 'hold 10.0000', 'submitted', 'release 10.0000', `charge ${cost}`, 'status'])
  t.match(running.timeline[2], { description: `Submitted to TensorPix as job ${upstreamId}` })
  t.match(running.timeline[5], { description: 'Last seen queued at TensorPix' })

  await bed.sim.complete(upstreamId)
  t.equal((await bed.api.get(`/api/jobs/${upstreamId}/`)).status, 200)
  const finished = await timelineOf(bed, admin.key, { upstreamId })
  t.equal(finished.state, 'finished')
  t.equal(finished.netCost, cost)
  t.same(kinds(finished.timeline), ['created', 'hold 10.0000', 'submitted', 'release 10.0000', `charge ${cost}`, 'finished'])
  const inOrder = (timeline: Timeline[]) => timeline.map(e => e.at).every((at, i, all) => i === 0 || (all[i - 1] ?? '') <= at)
  t.ok(inOrder(running.timeline) && inOrder(finished.timeline), 'oldest first, on the gateway\'s clock')

  const failing = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  await bed.sim.fail(Number(failing.body.id))
  await bed.api.get(`/api/jobs/${String(failing.body.id)}/`)
  const failed = await timelineOf(bed, admin.key, { upstreamId: Number(failing.body.id) })
  t.equal(failed.netCost, '0.0000')
  const failCost = String(failing.body.cost_usd)
  t.same(kinds(failed.timeline), ['created', 'hold 10.0000', 'submitted', 'release 10.0000', `charge ${failCost}`, 'failed', `refund ${failCost}`])
  t.ok(inOrder(failed.timeline))

  await bed.sim.fault({ kind: 'error', route: 'POST /api/jobs/from-url/', status: 400, times: 1 })
  t.equal((await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })).status, 400)
  const rejected = await timelineOf(bed, admin.key, { state: 'rejected' })
  t.same(kinds(rejected.timeline), ['created', 'hold 10.0000', 'release 10.0000', 'rejected'])
  t.match(rejected.timeline[3], { description: /^TensorPix refused the create/ })
})
