// Regression (issue 15, 5 and 6): reconciliation could take the wrong upstream job, and a create's late 201 was
// answered whatever reconciliation had done meanwhile.
// - Two teams' lost creates of the same video and models could swap jobs (each charged for the other's).
// - A lost create could take the job of a request still waiting for its 201; that request's settlement then hit the
//   unique upstream id (P2002) and answered a plain 500.
// - settle() answered "done" for a record reconciliation had released (the job ran uncharged, the client got a 201)
//   or settled with another job (the client got a 201 for a job recorded nowhere).
import t, { type Test } from 'tap'
import { Decimal } from 'decimal.js'
import type { Job } from '../../../src/generated/prisma/client.ts'
import { reconcileLostCreates, type ReconcileOptions } from '../../../src/workers/reconcile.ts'
import { eventually } from '../../helpers/async.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { assertBooks } from '../../helpers/ledger.ts'
import type { Answer, Client, Doc } from '../../helpers/http.ts'

const ROUTE = 'POST /api/jobs/from-url/'
const OPERATOR = /^held for an operator: /

const reconcile = (bed: Bed, options: Partial<ReconcileOptions> = {}) => reconcileLostCreates(
  { db: bed.gw.db, upstream: bed.gw.app.upstream, log: bed.gw.app.log, now: () => new Date() },
  { graceMs: 0, stalePendingMs: 60_000, ...options })

const row = (bed: Bed, id: string) => bed.gw.db.job.findUniqueOrThrow({ where: { id } })

async function loseCreate (t: Test, api: Client, body: Doc): Promise<string> {
  const lost = await api.post('/api/jobs/from-url/', { json: body })
  t.equal(lost.status, 504, 'the create\'s answer is lost')
  return String(lost.body.gateway_job_id)
}

/** A create TensorPix answers 1.5 s after it arrives: its answer, and its gateway row while it waits. */
async function slowCreate (bed: Bed, api: Client, body: Doc): Promise<{ answer: Promise<Answer>, job: Job }> {
  await bed.sim.fault({ kind: 'latency', route: ROUTE, delayMs: 1500, times: 1 })
  const seen = new Set((await bed.gw.db.job.findMany({ select: { id: true } })).map(j => j.id))
  const answer = api.post('/api/jobs/from-url/', { json: body })
  let job: Job | undefined
  await eventually(async () => {
    job = (await bed.gw.db.job.findMany({ where: { state: 'pending' } })).find(j => !seen.has(j.id))
    return job !== undefined
  }, 1000, 10)
  if (!job) throw new Error('the slow create never wrote its row')
  return { answer, job }
}

/** Holds the row's lock (as a slow database would) until `release` is called: its settlement waits on it. */
async function lockRow (bed: Bed, id: string): Promise<() => Promise<void>> {
  let release = () => {}
  let locked = () => {}
  const held = new Promise<void>(resolve => { locked = resolve })
  const done = bed.gw.db.$transaction(async tx => {
    await tx.$queryRaw`SELECT 1 FROM jobs WHERE id = ${id}::uuid FOR UPDATE`
    locked()
    await new Promise<void>(resolve => { release = resolve })
  }, { timeout: 30_000 })
  await held
  return async () => { release(); await done }
}

/** Every unknown create due now (a pass reschedules those it could not decide). */
const dueNow = (bed: Bed) => bed.gw.db.job.updateMany({ where: { state: 'unknown' }, data: { nextSyncAt: new Date(0) } })

const upstreamJobs = async (bed: Bed, count: number) => {
  await eventually(async () => (await bed.sim.allJobs()).length >= count, 3000)
  return (await bed.sim.allJobs()).map(j => j.id).sort((a, b) => a - b)
}

t.test('two teams\' lost creates of one video and models: held for an operator, never swapped', async t => {
  const bed = await dataPlaneBed(t)
  const other = await bed.newTeam()
  await bed.gw.db.webhookEndpoint.create({ data: { teamId: bed.team.id, url: 'https://hooks.example.test/tpx', secret: 'whsec_test', events: [] } })
  await bed.sim.fault({ kind: 'lost_response', route: ROUTE, times: 2 })
  const mine = await loseCreate(t, bed.api, fromUrl(bed))
  const theirs = await loseCreate(t, other.api, fromUrl(bed))
  await reconcile(bed)
  for (const id of [mine, theirs]) {
    const job = await row(bed, id)
    t.equal(job.upstreamId, null, 'neither create takes a job the other may own')
    t.equal(job.state, 'unknown', 'nor is released')
    t.match(job.error, OPERATOR, 'it is flagged for an operator')
  }
  t.not((await bed.usage()).held, '0.0000', 'the holds stay')
  t.not((await bed.usage(other.team.id)).held, '0.0000')
  const events = await bed.gw.db.webhookDelivery.findMany({ where: { eventType: 'reconciliation.ambiguous' } })
  t.equal(events.length, 1, 'the team with a webhook hears of it once')
  await dueNow(bed)
  await reconcile(bed)
  t.equal(await bed.gw.db.job.count({ where: { state: 'unknown' } }), 2, 'a later pass, grace over, still holds them')
  t.equal(await bed.gw.db.webhookDelivery.count({ where: { eventType: 'reconciliation.ambiguous' } }), 1,
    'and raises nothing new')
})

t.test('a lost create does not take the job of a request still waiting for its answer', async t => {
  const bed = await dataPlaneBed(t)
  const other = await bed.newTeam()
  await bed.sim.fault({ kind: 'lost_response', route: ROUTE, times: 1 })
  const lost = await loseCreate(t, bed.api, fromUrl(bed))
  const slow = await slowCreate(bed, other.api, fromUrl(bed))
  const release = await lockRow(bed, slow.job.id)
  const [lostId, slowId] = await upstreamJobs(bed, 2)
  await reconcile(bed)
  const meanwhile = await row(bed, lost)
  t.equal(meanwhile.upstreamId, null, 'while the request waits, the lost create takes neither job (either may be its)')
  t.equal(meanwhile.state, 'unknown', 'and keeps its hold')
  await release()
  const answer = await slow.answer
  t.equal(answer.status, 201, 'the waiting request settles normally')
  t.equal(answer.body.id, slowId, 'with its own job')
  await dueNow(bed)
  await reconcile(bed)
  t.equal((await row(bed, lost)).upstreamId, lostId, 'then the lost create takes the job left')
  t.equal((await row(bed, slow.job.id)).upstreamId, slowId)
  await assertBooks(t, bed.gw.db, { sim: bed.sim })
})

t.test('a 201 for a job another create already holds is held for an operator, not a 500', async t => {
  const bed = await dataPlaneBed(t)
  // a create that never reached TensorPix, and an identical one of the same team still waiting for its answer
  await bed.sim.fault({ kind: 'error', route: ROUTE, status: 500, times: 1 })
  const never = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(never.status, 502)
  const slow = await slowCreate(bed, bed.api, fromUrl(bed))
  // a STALE_PENDING_MS shorter than a create's time in flight (the configuration now refuses it) makes the waiting
  // request look lost as well; then the pairing in submit order gives its job to the older create
  await reconcile(bed, { stalePendingMs: 0, graceMs: 60_000 })
  const release = await lockRow(bed, slow.job.id)
  const [slowId] = await upstreamJobs(bed, 1)
  await bed.gw.db.job.update({ where: { id: String(never.body.gateway_job_id) }, data: { nextSyncAt: new Date(0) } })
  await reconcile(bed, { stalePendingMs: 0, graceMs: 60_000 })
  t.equal((await row(bed, String(never.body.gateway_job_id))).upstreamId, slowId, 'the older create took the job')
  await release()
  const answer = await slow.answer
  t.equal(answer.status, 502, 'not a plain 500')
  t.match(answer.body.detail, `TensorPix created job ${slowId} for this request`, 'the answer says what happened')
  const held = await row(bed, slow.job.id)
  t.equal(held.state, 'unknown', 'the waiting create keeps its hold')
  t.match(held.error, OPERATOR, 'flagged for an operator')
  await dueNow(bed)
  await reconcile(bed)
  t.equal((await row(bed, slow.job.id)).state, 'unknown', 'and reconciliation does not release it after the grace')
})

t.test('a 201 for a create reconciliation settled with another job: answered truthfully, charged once', async t => {
  const bed = await dataPlaneBed(t)
  const slow = await slowCreate(bed, bed.api, fromUrl(bed))
  await reconcile(bed, { stalePendingMs: 0, graceMs: 60_000 })
  await bed.sim.fault({ kind: 'lost_response', route: ROUTE, times: 1 })
  const lost = await loseCreate(t, bed.api, fromUrl(bed))
  // only the lost create's job exists yet: the pairing gives it to the older create, the slow one
  await dueNow(bed)
  await reconcile(bed, { stalePendingMs: 0, graceMs: 60_000 })
  const taken = (await row(bed, slow.job.id)).upstreamId
  t.not(taken, null, 'reconciliation settled the slow create with the job it saw')
  const answer = await slow.answer
  t.not(answer.body.id, taken, 'TensorPix then answered the slow create with another job')
  t.equal(answer.status, 502, 'not a 201 for a job the gateway recorded nowhere')
  t.match(answer.body.detail, 'held for an operator')
  t.match((await row(bed, slow.job.id)).error, OPERATOR)
  // the other job is the lost create's by the next pass: each job is charged once, to the team that asked
  await dueNow(bed)
  await reconcile(bed)
  const answered = (await upstreamJobs(bed, 2)).find(id => id !== taken)
  t.match(answer.body.detail, `TensorPix created job ${answered} for this request`)
  t.equal((await row(bed, lost)).upstreamId, answered)
  const usage = await bed.usage()
  t.equal(usage.held, '0.0000')
  await assertBooks(t, bed.gw.db, { sim: bed.sim })
})

t.test('a 201 for a create reconciliation released: charged late, answered truthfully', async t => {
  const bed = await dataPlaneBed(t)
  const slow = await slowCreate(bed, bed.api, fromUrl(bed))
  // looks lost (too short a STALE_PENDING_MS), and TensorPix has no job yet: released
  await reconcile(bed, { stalePendingMs: 0, graceMs: 0 })
  t.equal((await row(bed, slow.job.id)).state, 'rejected', 'reconciliation released the hold')
  const answer = await slow.answer
  t.equal(answer.status, 201, 'TensorPix created it: 201')
  const job = await row(bed, slow.job.id)
  t.equal(job.upstreamId, answer.body.id, 'recorded with its job')
  t.equal(job.state, 'queued')
  const usage = await bed.usage()
  t.equal(usage.held, '0.0000')
  t.ok(new Decimal(usage.charged).equals(job.actualCost?.toString() ?? -1), 'and charged what TensorPix charged')
  await assertBooks(t, bed.gw.db, { sim: bed.sim })
})
