// Retention against the simulator on its manual clock: exactly the enhanced videos of jobs that finished at least
// retentionDays ago, of teams with the setting, are deleted at TensorPix; every other object stays; a second pass
// does nothing; a video already gone upstream counts as deleted.
import t from 'tap'
import { enforceRetention } from '../../../src/workers/retention.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { type Client } from '../../helpers/http.ts'
import { workerDeps } from '../../helpers/workers.ts'

const DAY_MS = 86_400_000

async function create (bed: Bed, api: Client): Promise<number> {
  const res = await api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`)
  return Number(res.body.id)
}

t.test('deletes exactly the expired enhanced videos of teams with a retention setting', async t => {
  const bed = await dataPlaneBed(t, { team: { retentionDays: 7 } })
  const keeper = await bed.newTeam() // no retention setting: never touched
  const monthly = await bed.newTeam({ retentionDays: 30 })
  const { db } = bed.gw

  // created and ended now, then five days later the recent one (the simulated clock finishes running jobs by itself)
  const jobs = {
    old: await create(bed, bed.api),
    goneUpstream: await create(bed, bed.api),
    failed: await create(bed, bed.api),
    keeper: await create(bed, keeper.api),
    monthly: await create(bed, monthly.api),
    recent: 0
  }
  for (const name of ['old', 'goneUpstream', 'keeper', 'monthly'] as const) await bed.sim.complete(jobs[name])
  await bed.sim.fail(jobs.failed)
  await bed.sim.control('POST', '/clock/advance', { ms: 5 * DAY_MS })
  jobs.recent = await create(bed, bed.api)
  await bed.sim.complete(jobs.recent)
  const owner = {
    old: bed.api, recent: bed.api, goneUpstream: bed.api, failed: bed.api, keeper: keeper.api, monthly: monthly.api
  }
  // reading a job through the gateway records its terminal status and finish time
  for (const [name, api] of Object.entries(owner)) {
    t.ok([2, -1].includes((await api.get(`/api/jobs/${jobs[name as keyof typeof jobs]}/`)).body.status as number), `${name} ended`)
  }

  const output = async (name: keyof typeof jobs) =>
    (await db.job.findFirstOrThrow({ where: { upstreamId: jobs[name] } })).outputVideoId
  const outputs = Object.fromEntries(await Promise.all(
    Object.keys(jobs).map(async name => [name, await output(name as keyof typeof jobs)])
  ))
  t.equal(outputs.failed, null, 'a failed job has no output')
  t.equal((await bed.upstream.delete(`/api/restored-videos/${outputs.goneUpstream}/`)).status, 204, 'deleted upstream behind the gateway')

  await bed.sim.control('POST', '/clock/advance', { ms: 3 * DAY_MS })
  const simNow = async () => new Date((await bed.sim.control<{ now: string }>('GET', '/state')).now)
  let now = await simNow()
  const deps = { ...workerDeps(t, db, bed.sim), now: () => now }
  const upstreamVideos = async () => (await bed.upstream.get('/api/restored-videos/?limit=1000')).list.map(v => Number(v.id)).sort()
  const videosBefore = (await bed.sim.account()).videos

  t.equal(await enforceRetention(deps), 2, 'the 8-day-old job and the one already gone upstream')
  t.same(await upstreamVideos(), [outputs.recent, outputs.keeper, outputs.monthly].sort(), 'exactly the expired video was deleted')
  t.equal((await bed.upstream.get(`/api/restored-videos/${outputs.old}/`)).status, 404)
  t.equal((await bed.sim.account()).videos, videosBefore, 'input videos are not touched')
  const deleted = await db.job.findMany({
    where: { retentionDeletedAt: { not: null } },
    select: { upstreamId: true, retentionDeletedAt: true }
  })
  t.same(deleted.map(j => j.upstreamId).sort(), [jobs.old, jobs.goneUpstream].sort())
  t.ok(deleted.every(j => j.retentionDeletedAt?.getTime() === now.getTime()), 'recorded on the job')
  const media = await db.mediaObject.findMany({ where: { kind: 'restored_video', deletedAt: { not: null } }, select: { upstreamId: true } })
  t.same(media.map(m => m.upstreamId).sort(), [outputs.old, outputs.goneUpstream].sort(), 'and on the ownership record')
  t.equal((await bed.api.get(`/api/restored-videos/${outputs.old}/`)).status, 404, 'the data plane no longer lists it')

  t.equal(await enforceRetention(deps), 0, 'a second pass finds nothing')
  t.same(await upstreamVideos(), [outputs.recent, outputs.keeper, outputs.monthly].sort())

  await bed.sim.control('POST', '/clock/advance', { ms: 30 * DAY_MS })
  now = await simNow()
  t.equal(await enforceRetention(deps), 2, 'a month on: the recent job and the 30-day team')
  t.same(await upstreamVideos(), [outputs.keeper], 'the team without a setting keeps its video however old')
  t.equal((await db.job.findFirstOrThrow({ where: { upstreamId: jobs.keeper } })).retentionDeletedAt, null)
  t.equal((await db.job.findFirstOrThrow({ where: { upstreamId: jobs.failed } })).retentionDeletedAt, null, 'failed jobs are not retention work')
})

t.test('a job first seen finished long after it finished keeps waiting for its output', async t => {
  const bed = await dataPlaneBed(t, { team: { retentionDays: 7 }, sim: { behaviour: { outputVideoAfterPolls: 1000 } } })
  const { db } = bed.gw
  const id = await create(bed, bed.api)
  await bed.sim.complete(id)
  await bed.sim.control('POST', '/clock/advance', { ms: 8 * DAY_MS })
  t.equal((await bed.api.get(`/api/jobs/${id}/`)).body.status, 2, 'seen finished 8 days after it finished')
  const waiting = await db.job.findFirstOrThrow({ where: { upstreamId: id } })
  t.match(waiting, { state: 'finished', outputVideoId: null, nextSyncAt: Date }, 'the sync waits for its output')

  const now = new Date((await bed.sim.control<{ now: string }>('GET', '/state')).now)
  t.equal(await enforceRetention({ ...workerDeps(t, db, bed.sim), now: () => now }), 0, 'retention leaves it')
  const after = await db.job.findFirstOrThrow({ where: { upstreamId: id } })
  t.same({ retentionDeletedAt: after.retentionDeletedAt, nextSyncAt: after.nextSyncAt },
    { retentionDeletedAt: null, nextSyncAt: waiting.nextSyncAt }, 'and the sync still asks')
})
