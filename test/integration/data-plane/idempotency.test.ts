// Idempotency-Key on creates: a retried create is answered from the first attempt and never makes a second
// upstream job or a second charge; a different body under the same key is a conflict.
import t from 'tap'
import { reconcileLostCreates } from '../../../src/workers/reconcile.ts'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'

const CREATE = 'POST /api/jobs/from-url/'

t.test('the same key and body: the first answer again, one upstream job, one charge', async t => {
  const bed = await dataPlaneBed(t)
  const headers = { 'idempotency-key': 'order-42' }
  const first = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, headers)
  const second = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, headers)
  t.equal(first.status, 201)
  t.equal(second.status, first.status, 'same status')
  t.same(second.body, first.body, 'same body')
  t.equal(second.headers.get('idempotent-replayed'), 'true', 'marked as a replay')
  t.equal((await bed.sim.account()).jobs_created, 1, 'one upstream job')
  t.equal(await bed.gw.db.job.count(), 1, 'one job row')
  const charges = (await bed.ledger()).filter(r => r.kind === 'charge')
  t.same(charges.map(r => r.amount), [String(first.body.cost_usd)], 'one charge of the cost')
  t.equal((await bed.usage()).charged, String(first.body.cost_usd))

  // a form-encoded retry of the same request is the same request
  const asForm = await bed.api.post('/api/jobs/from-url/', {
    form: new URLSearchParams([['video_url', String(fromUrl(bed).video_url)], ['ml_models', '34']])
  }, headers)
  t.equal(asForm.status, 201, 'the same fields form-encoded replay too')
  t.same(asForm.body, first.body)
  t.equal((await bed.sim.account()).jobs_created, 1)

  // keys are per team: another team's identical key is its own
  const other = await bed.newTeam()
  const theirs = await other.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, headers)
  t.equal(theirs.status, 201)
  t.not(theirs.body.id, first.body.id, 'another team\'s key is not ours')
  t.equal((await bed.sim.account()).jobs_created, 2)

  // no key: every create is new
  await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal((await bed.sim.account()).jobs_created, 4)
})

t.test('the same key with a different body is 409', async t => {
  const bed = await dataPlaneBed(t)
  const headers = { 'idempotency-key': 'order-43' }
  t.equal((await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, headers)).status, 201)
  const changed = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed, { crf: 30 }) }, headers)
  t.equal(changed.status, 409)
  t.match(changed.body, { detail: /different request body/, request_id: String })
  const otherRoute = await bed.api.post('/api/jobs/', { json: { input_video: 5001, ml_models: [34] } }, headers)
  t.equal(otherRoute.status, 409, 'also on the other create endpoint')
  t.equal((await bed.sim.account()).jobs_created, 1, 'nothing more forwarded')
  t.same((await bed.usage()).held, '0.0000', 'no hold left behind by the refusals')
})

t.test('a 4xx answer is replayed; after a 5xx the key waits for reconciliation, then goes through', async t => {
  const bed = await dataPlaneBed(t)

  await bed.sim.fault({ kind: 'error', route: CREATE, status: 400, detail: 'Refused once.', times: 1 })
  const refused = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, { 'idempotency-key': 'k-400' })
  t.equal(refused.status, 400)
  const replay = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, { 'idempotency-key': 'k-400' })
  t.equal(replay.status, 400, 'the refusal is replayed (the fault would not fire again)')
  t.same({ ...replay.body, request_id: undefined }, { ...refused.body, request_id: undefined }, 'with the same body')
  t.equal(replay.body.request_id, replay.headers.get('x-request-id'), 'a replayed error carries its own request id')
  t.equal((await bed.sim.account()).jobs_created, 0)

  await bed.sim.fault({ kind: 'error', route: CREATE, status: 503, detail: 'Down once.', times: 1 })
  const failed = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, { 'idempotency-key': 'k-503' })
  t.equal(failed.status, 502)
  const waiting = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, { 'idempotency-key': 'k-503' })
  t.equal(waiting.status, 409, 'the job may exist: a retry waits until reconciliation decides')
  const workers = { db: bed.gw.db, upstream: bed.gw.app.upstream, log: bed.gw.app.log, now: () => new Date() }
  await reconcileLostCreates(workers, { graceMs: 0, stalePendingMs: 60_000 })
  const retried = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, { 'idempotency-key': 'k-503' })
  t.equal(retried.status, 201, 'not at TensorPix: the retry is forwarded')
  t.equal(retried.headers.get('idempotent-replayed'), null)
  const again = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, { 'idempotency-key': 'k-503' })
  t.same([again.status, again.body], [201, retried.body], 'and from then on replayed')
  t.equal((await bed.sim.account()).jobs_created, 1, 'one upstream job in all')
  t.equal((await bed.ledger()).filter(r => r.kind === 'charge').length, 1, 'one charge in all')
  t.equal(await bed.gw.db.job.count({ where: { state: 'pending' } }), 0)
})

t.test('a retry while the first is in flight is 409 with Retry-After', async t => {
  const bed = await dataPlaneBed(t)
  await bed.sim.fault({ kind: 'latency', route: CREATE, delayMs: 400, times: 1 })
  const headers = { 'idempotency-key': 'k-flight' }
  const first = bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, headers)
  await new Promise(resolve => setTimeout(resolve, 150)) // let the first reach TensorPix
  const second = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, headers)
  t.equal(second.status, 409)
  t.match(second.body, { detail: /still in progress/, request_id: String })
  t.ok(Number(second.headers.get('retry-after')) > 0, 'Retry-After')
  t.equal((await first).status, 201)
  t.equal((await bed.sim.account()).jobs_created, 1)
})
