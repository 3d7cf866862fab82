// Issue 20, item 1: one team cannot spend the shared TensorPix rate limit and lock the other teams out. A team's lists
// read at most LIST_REFRESHES_PER_REQUEST entries afresh and show the rest as stored, and when the account is
// throttled anyway, the team that made the calls is held back while the others carry on. Counts and statuses only:
// the simulator's clock is manual, so its per-minute window ends only when the test says so.
import t from 'tap'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'
import { countStatuses } from '../../helpers/http.ts'
import { fixtureBytes, multipartBody } from '../../helpers/video-server.ts'
import { LIST_REFRESHES_PER_REQUEST } from '../../../src/routes/tensorpix/forward.ts'

const ACCOUNT_PER_MINUTE = 30
const UPLOADS = 12

t.test('a team that lists past the account\'s limit is slowed, and another team\'s creates and GETs keep succeeding', async t => {
  // no per-second cap: a read may wait only for a pause, never for a token, so what passes depends on counts alone
  const env = { WORKERS: 'false', UPSTREAM_MAX_RPS: '0', UPSTREAM_QUEUE_WAIT_MS: '500' }
  const bed = await dataPlaneBed(t, { sim: { requestsPerMinute: ACCOUNT_PER_MINUTE }, env })
  const heavy = bed.api
  const upload = multipartBody({}, [{ field: 'file', filename: 'a.mp4', type: 'video/mp4', content: fixtureBytes('clip-320x180-24fps-48f.mp4') }])
  for (let i = 0; i < UPLOADS; i++) t.equal((await heavy.post('/api/videos/', { multipart: upload })).status, 201)
  await bed.sim.control('POST', '/clock/advance', { ms: 61_000 })

  const first = await heavy.get('/api/videos/?limit=1000')
  t.equal(first.status, 200)
  t.equal((first.body.results as unknown[]).length, UPLOADS, 'every upload is listed')
  const read = await bed.gw.db.mediaObject.count({ where: { teamId: bed.team.id, refreshedAt: { not: null } } })
  t.equal(read, LIST_REFRESHES_PER_REQUEST, 'one list read only the bound afresh, the rest shown as stored')

  // the heavy team's lists drive the account past its limit: 10 reads each, 30 allowed a minute
  const lists = []
  for (let i = 0; i < 3; i++) lists.push(await heavy.get('/api/videos/?limit=1000'))
  t.same(countStatuses(lists), { 200: 3 }, 'its lists are served from our records, throttled or not')
  t.ok(lists.every(list => (list.body.results as unknown[]).length === UPLOADS), 'with every entry')
  const unread = bed.gw.logs.filter(line => line.includes('could not be read afresh'))
  t.ok(unread.length > 0, 'TensorPix did throttle the account: some entries were shown as stored')

  // the account's minute is over for TensorPix; the heavy team is still held back for the Retry-After it caused
  await bed.sim.control('POST', '/clock/advance', { ms: 61_000 })
  const other = await bed.newTeam()
  const answers = []
  for (let i = 0; i < 3; i++) {
    const created = await other.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
    answers.push(created)
    if (created.status === 201) answers.push(await other.api.get(`/api/jobs/${String(created.body.id)}/`))
  }
  t.same(countStatuses(answers), { 200: 3, 201: 3 }, 'the other team\'s creates and GETs all succeed')

  const held = await heavy.get('/api/videos/?limit=1000')
  t.equal(held.status, 200, 'the heavy team still gets its list')
  t.equal((held.body.results as unknown[]).length, UPLOADS, 'from our records')
  const refused = await heavy.get(`/api/videos/${String((held.body.results as Array<{ id: number }>)[0]?.id)}/`)
  t.equal(refused.status, 503, 'but its reads of TensorPix wait out the pause it caused')
})
