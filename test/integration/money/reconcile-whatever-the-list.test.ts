// Regression (issue 15, 4): reconciliation used to depend on the shape of TensorPix's job list, which API.md does not
// document: it assumed newest first (and stopped on the first page of an oldest-first list), took `started` for the
// creation time (a queued job's null, or a processing start hours later, excluded the job), and compared
// `external_url` and the frames byte for byte (a normalised echo did not match). Each released a lost create that
// TensorPix ran: an uncharged job. The simulator plays each reading (docs/simulator.md, Behaviours).
import t, { type Test } from 'tap'
import { Decimal } from 'decimal.js'
import type { BehaviourChange } from '../../../src/simulator/index.ts'
import { reconcileLostCreates } from '../../../src/workers/reconcile.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { assertBooks } from '../../helpers/ledger.ts'
import type { Doc } from '../../helpers/http.ts'

const ROUTE = 'POST /api/jobs/from-url/'
const HOUR = 3_600_000

/** A create through the gateway whose answer is lost after TensorPix made the job; its gateway job id. */
async function loseCreate (t: Test, bed: Bed, body: Doc): Promise<string> {
  await bed.sim.fault({ kind: 'lost_response', route: ROUTE, times: 1 })
  const lost = await bed.api.post('/api/jobs/from-url/', { json: body })
  t.equal(lost.status, 504, 'the answer is lost')
  return String(lost.body.gateway_job_id)
}

/** Jobs of the shared account made straight at TensorPix (previews, or `extra`). */
async function otherJobs (bed: Bed, count: number, extra: Doc = {}): Promise<void> {
  for (let i = 0; i < count; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, count - i) }, () =>
      bed.upstream.post('/api/jobs/from-url/', { json: fromUrl(bed, { preview: true, ...extra }) })))
  }
}

/** One reconciliation pass with the grace over at once, on a gateway clock `aheadMs` ahead of the wall clock. */
const reconcile = (bed: Bed, aheadMs = 0) => reconcileLostCreates(
  { db: bed.gw.db, upstream: bed.gw.app.upstream, log: bed.gw.app.log, now: () => new Date(Date.now() + aheadMs) },
  { graceMs: 0, stalePendingMs: 60_000 })

async function assertCharged (t: Test, bed: Bed, jobId: string): Promise<void> {
  const job = await bed.gw.db.job.findUniqueOrThrow({ where: { id: jobId } })
  t.not(job.upstreamId, null, 'the lost create is found at TensorPix')
  t.not(job.state, 'rejected', 'and not released')
  const usage = await bed.usage()
  t.equal(usage.held, '0.0000', 'its hold became a charge')
  t.ok(new Decimal(usage.charged).equals(job.actualCost?.toString() ?? -1), 'of what TensorPix charged')
  await assertBooks(t, bed.gw.db)
}

/**
 * A lost create between `older` jobs of an hour before (on both clocks: a first page of an oldest-first list holds
 * only those) and `newer` ones made after it; its gateway job id.
 */
async function loseCreateBetween (t: Test, bed: Bed, older: number, newer: number): Promise<string> {
  await otherJobs(bed, older, { preview: false })
  await bed.sim.control('POST', '/clock/advance', { ms: HOUR })
  const jobId = await loseCreate(t, bed, fromUrl(bed))
  await bed.gw.db.$executeRaw`UPDATE jobs SET created_at = created_at + interval '1 hour',
    submitted_at = submitted_at + interval '1 hour' WHERE id = ${jobId}::uuid`
  await otherJobs(bed, newer)
  return jobId
}

const bedWith = (t: Test, behaviour: BehaviourChange, queueMs?: number) =>
  dataPlaneBed(t, { sim: { behaviour, ...(queueMs === undefined ? {} : { queueMs, processingMs: 10 * HOUR }) } })

t.test('an oldest-first list: the lost create is pages deep between older and newer jobs', async t => {
  const bed = await bedWith(t, { jobListOrder: 'oldest' })
  // the lost create is neither on the first page nor on the last
  const jobId = await loseCreateBetween(t, bed, 250, 250)
  await reconcile(bed, HOUR)
  await assertCharged(t, bed, jobId)
})

t.test('`started` is the processing start: null while the job is queued', async t => {
  const bed = await bedWith(t, { startedMeaning: 'processing' }, 3 * HOUR)
  const jobId = await loseCreate(t, bed, fromUrl(bed))
  t.equal((await bed.sim.allJobs())[0]?.started, null, 'TensorPix lists the queued job without a start')
  await reconcile(bed)
  await assertCharged(t, bed, jobId)
})

t.test('`started` is the processing start: hours after the submit, after a long queue', async t => {
  const bed = await bedWith(t, { startedMeaning: 'processing' }, 2 * HOUR)
  const jobId = await loseCreate(t, bed, fromUrl(bed))
  await bed.sim.control('POST', '/clock/advance', { ms: 2 * HOUR + 1000 })
  const [listed] = await bed.sim.allJobs()
  t.equal(listed?.status, 1, 'processing')
  t.ok(Date.parse(listed?.started ?? '') > Date.now() + HOUR, 'started two hours after the submit')
  // the gateway's clock is the wall clock: the job is found although it started long after it was sent
  await reconcile(bed, 2 * HOUR)
  await assertCharged(t, bed, jobId)
})

t.test('a normalised echo: frames filled in, the source URL serialised', async t => {
  const bed = await bedWith(t, { echo: 'normalised' })
  const url = bed.videos.url('clip-320x180-24fps-48f.mp4').replace('/clip', '/./clip') + '#start'
  const jobId = await loseCreate(t, bed, { video_url: url, ml_models: [34] })
  const [listed] = await bed.sim.allJobs()
  t.not((listed?.input_video as { external_url?: string }).external_url, url, 'TensorPix echoes another URL text')
  t.equal(listed?.start_frame, 0, 'and a start_frame for the omitted one')
  await reconcile(bed)
  await assertCharged(t, bed, jobId)
})

t.test('all at once, beyond the first page', async t => {
  const bed = await bedWith(t, { jobListOrder: 'oldest', startedMeaning: 'processing', echo: 'normalised' }, 3 * HOUR)
  await otherJobs(bed, 120)
  const jobId = await loseCreate(t, bed, fromUrl(bed, { output_resolution: 1280, codec: 'libx265' }))
  await otherJobs(bed, 130)
  await reconcile(bed)
  await assertCharged(t, bed, jobId)
})

// not a regression: the old code released this one too; the new one still does, having read the whole list
t.test('a list that provably does not hold the create releases it, whatever its shape', async t => {
  const bed = await bedWith(t, { jobListOrder: 'oldest', startedMeaning: 'processing' }, 3 * HOUR)
  await otherJobs(bed, 30)
  await bed.sim.fault({ kind: 'error', route: ROUTE, status: 500, times: 1 })
  // (another resolution than the account's other jobs, which the create would otherwise match)
  const never = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed, { output_resolution: 1280 }) })
  t.equal(never.status, 502, 'a 500 before anything was saved: the outcome is unknown to the gateway')
  await reconcile(bed)
  const job = await bed.gw.db.job.findUniqueOrThrow({ where: { id: String(never.body.gateway_job_id) } })
  t.equal(job.state, 'rejected', 'the whole list was read: not at TensorPix, released')
  t.equal((await bed.usage()).held, '0.0000')
  await assertBooks(t, bed.gw.db)
})

t.test('an oldest-first list whose pages are smaller than asked: stepping back leaves no gap', async t => {
  // DRF's max_limit: TensorPix may answer 100 jobs for limit=200, and a walk that steps back by 200 skips 100
  const bed = await bedWith(t, { jobListOrder: 'oldest', maxPageSize: 100 })
  // the tail read holds the newest 100 of the 250 newer jobs, the lost create sits in what a 200 step skips
  const jobId = await loseCreateBetween(t, bed, 150, 250)
  await reconcile(bed, HOUR)
  await assertCharged(t, bed, jobId)
})
