// TensorPix may report a finished job's output_video a poll or more after status 2 (the simulator's
// outputVideoAfterPolls). The team owns the output whenever a snapshot first shows it, whoever reads it: the status
// sync keeps asking a finished job until then (a bounded number of times), and a client's reads record it too. Only
// then can the team read and delete it through the gateway, and retention delete it.
import t from 'tap'
import { OUTPUT_WAIT_POLLS } from '../../../src/jobs/snapshot.ts'
import { mediaId, type MediaRef } from '../../../src/tensorpix/jobs.ts'
import { syncDueJobs } from '../../../src/workers/status-sync.ts'
import { enforceRetention } from '../../../src/workers/retention.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { workerDeps } from '../../helpers/workers.ts'

const DAY_MS = 86_400_000

async function finishedJob (bed: Bed): Promise<number> {
  const created = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  if (created.status !== 201) throw new Error(`create: ${created.status} ${created.text}`)
  const id = Number(created.body.id)
  await bed.sim.complete(id)
  return id
}

const row = (bed: Bed, upstreamId: number) => bed.gw.db.job.findFirstOrThrow({ where: { upstreamId } })

/** One status-sync pass with every job the sync would still ask after made due at once. */
async function syncPass (bed: Bed, deps: ReturnType<typeof workerDeps>): Promise<number> {
  await bed.gw.db.$executeRaw`UPDATE jobs SET next_sync_at = now() - interval '1 second' WHERE next_sync_at IS NOT NULL`
  return syncDueJobs(deps)
}

t.test('an output that appears polls after status 2 is the team\'s, and retention deletes it', async t => {
  const bed = await dataPlaneBed(t, { sim: { behaviour: { outputVideoAfterPolls: 3 } }, team: { retentionDays: 1 } })
  const id = await finishedJob(bed)
  const read = await bed.api.get(`/api/jobs/${id}/`)
  t.match(read.body, { status: 2, output_video: null }, 'the client sees the job finished without its output')
  const finished = await row(bed, id)
  t.match(finished, { state: 'finished', outputVideoId: null })
  t.not(finished.nextSyncAt, null, 'the sync is to ask again')

  const deps = workerDeps(t, bed.gw.db, bed.sim)
  let passes = 0
  while ((await row(bed, id)).outputVideoId === null && passes < 10) {
    t.equal(await syncPass(bed, deps), 1, 'the finished job is claimed')
    passes++
  }
  const output = (await row(bed, id)).outputVideoId
  t.equal(passes, 3, 'recorded by the sync on the first poll that shows it')
  t.equal(output, mediaId((await bed.sim.job(id)).output_video as MediaRef), 'TensorPix\'s output')
  t.match(await bed.gw.db.mediaObject.findFirst({ where: { kind: 'restored_video', upstreamId: output! } }),
    { teamId: bed.team.id, jobId: finished.id }, 'owned by the team')
  t.equal(await syncPass(bed, deps), 0, 'then the sync stops asking')
  t.equal((await bed.api.get(`/api/restored-videos/${output}/`)).status, 200, 'the team reads it through the gateway')
  t.same((await bed.api.get('/api/restored-videos/')).list.map(v => Number(v.id)), [output], 'and lists it')

  const later = new Date(finished.finishedAt!.getTime() + 2 * DAY_MS)
  t.equal(await enforceRetention({ ...deps, now: () => later }), 1, 'retention expires the job')
  t.equal((await bed.upstream.get(`/api/restored-videos/${output}/`)).status, 404, 'deleted at TensorPix')
})

t.test('client reads and lists record a late output too', async t => {
  // each read asks TensorPix, as a client's would a window (JOB_REFRESH_MS) after the one before
  const bed = await dataPlaneBed(t, { sim: { behaviour: { outputVideoAfterPolls: 1 } }, env: { JOB_REFRESH_MS: '0' } })
  const byGet = await finishedJob(bed)
  t.match((await bed.api.get(`/api/jobs/${byGet}/`)).body, { status: 2, output_video: null })
  const shown = mediaId((await bed.api.get(`/api/jobs/${byGet}/`)).body.output_video as MediaRef)
  t.ok(shown, 'the second read shows the output')
  t.equal((await row(bed, byGet)).outputVideoId, shown, 'recorded from the client\'s read')
  t.equal((await bed.api.delete(`/api/restored-videos/${shown}/`)).status, 204, 'the team may delete it')

  const byList = await finishedJob(bed)
  t.match((await bed.api.get(`/api/jobs/${byList}/`)).body, { status: 2, output_video: null })
  await bed.gw.db.job.updateMany({ where: { upstreamId: byList }, data: { lastSyncedAt: new Date(0) } })
  const listed = (await bed.api.get('/api/jobs/')).list.find(j => j.id === byList)
  t.ok(listed?.output_video, 'a list refreshes a finished job still without its output')
  t.not((await row(bed, byList)).outputVideoId, null, 'and records it')
})

t.test('the sync asks a bounded number of times for an output that never appears', async t => {
  const bed = await dataPlaneBed(t, { sim: { behaviour: { outputVideoAfterPolls: 1000 } } })
  const id = await finishedJob(bed)
  t.equal((await bed.api.get(`/api/jobs/${id}/`)).body.status, 2)
  const deps = workerDeps(t, bed.gw.db, bed.sim)
  let polls = 0
  while (await syncPass(bed, deps) > 0 && polls <= OUTPUT_WAIT_POLLS) polls++
  t.equal(polls, OUTPUT_WAIT_POLLS, `asked ${OUTPUT_WAIT_POLLS} times`)
  t.match(await row(bed, id), { state: 'finished', outputVideoId: null, nextSyncAt: null })
})
