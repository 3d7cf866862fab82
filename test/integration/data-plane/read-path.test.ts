// The read path's per-replica memory (src/jobs/known-jobs.ts): a replica's view of a job may be older than the row,
// because the sync worker or another replica wrote it since. A stale view must never cost a settlement, repeat one,
// or lose the answer's budget headers.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { syncDueJobs } from '../../../src/workers/status-sync.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'

async function createJob (bed: Bed) {
  const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(res.status, 201, 'created')
  return { id: Number(res.body.id), cost: String(res.body.cost_usd) }
}

/** One status-sync pass that picks up this job now, as the worker in another process would. */
async function syncNow (bed: Bed, upstreamId: number) {
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId } })
  await bed.gw.db.job.update({ where: { id: job.id }, data: { nextSyncAt: new Date(Date.now() - 1000) } })
  await syncDueJobs({ db: bed.gw.db, upstream: bed.gw.app.upstream, log: bed.gw.app.log, now: () => new Date() })
  return bed.gw.db.job.findFirstOrThrow({ where: { upstreamId } })
}

async function moneyRows (bed: Bed, upstreamId: number) {
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId } })
  return (await bed.ledger()).filter(r => r.jobId === job.id).map(r => r.kind)
}

t.test('a view older than the row (queued; the worker stored processing) still settles the failure once', async t => {
  // the reads ask TensorPix each time: with a freshness window, the read after the failure would be answered from
  // memory, and settle only once the window is over (test/integration/data-plane/poll-storm.test.ts)
  const bed = await dataPlaneBed(t, { env: { JOB_REFRESH_MS: '0' } })
  const { id } = await createJob(bed)
  t.equal((await bed.api.get(`/api/jobs/${id}/`)).body.status, 0, 'the replica now remembers the job as queued')
  await bed.sim.advance(id)
  t.equal((await syncNow(bed, id)).state, 'processing', 'the worker stored processing behind the view')

  await bed.sim.fail(id)
  const read = await bed.api.get(`/api/jobs/${id}/`)
  t.equal(read.body.status, -1)
  t.same(await moneyRows(bed, id), ['hold', 'release', 'charge', 'refund'], 'refunded on this GET, once')
  t.equal((await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: id } })).state, 'failed')
  t.equal(read.headers.get('x-credits-remaining'), '100.0000', 'and the answer shows the refund')
  await bed.api.get(`/api/jobs/${id}/`)
  t.same(await moneyRows(bed, id), ['hold', 'release', 'charge', 'refund'], 'the next GET moves nothing')
})

t.test('a view that missed the terminal transition (the worker settled it) moves no money again', async t => {
  const bed = await dataPlaneBed(t, { env: { JOB_REFRESH_MS: '300' } })
  const { id } = await createJob(bed)
  t.equal((await bed.api.get(`/api/jobs/${id}/`)).body.status, 0, 'remembered as queued')
  await bed.sim.fail(id)
  t.equal((await syncNow(bed, id)).state, 'failed', 'the worker (another replica\'s) settled the failure')

  // this replica may answer from its memory of the first read for the window, and reads TensorPix after it
  await sleep(300)
  const read = await bed.api.get(`/api/jobs/${id}/`)
  t.equal(read.body.status, -1)
  t.same(await moneyRows(bed, id), ['hold', 'release', 'charge', 'refund'], 'one refund, the worker\'s')
  t.same(await bed.usage(), { charged: '0.0000', held: '0.0000', adjusted: '0.0000' })
})

t.test('ownership is remembered per team: another team\'s job stays a 404 after its owner read it', async t => {
  const bed = await dataPlaneBed(t)
  const other = await bed.newTeam()
  const { id } = await createJob(bed)
  t.equal((await bed.api.get(`/api/jobs/${id}/`)).status, 200, 'the owner reads it (and the replica remembers it)')
  t.equal((await other.api.get(`/api/jobs/${id}/`)).status, 404, 'another team does not')
  t.equal((await other.api.get(`/api/jobs/history/${id}/`)).status, 404, 'not in its history either')
  t.equal((await other.api.delete(`/api/jobs/${id}/`)).status, 404, 'nor can it cancel it')
})
