// Issue 19: polls must not spend the shared rate limit. Every team's GET /api/jobs/{id}/ is a call on the one master
// token, so this replica answers from its memory within JOB_REFRESH_MS and lets concurrent polls share one call
// (src/jobs/polls.ts). The simulator counts the calls that reach it: a zero-latency fault rule on the route, whose
// `matched` is every GET of a job it was sent.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { syncDueJobs } from '../../../src/workers/status-sync.ts'
import { dataPlaneBed, fromUrl, type Bed, type BedOptions } from '../../helpers/data-plane-bed.ts'
import { assertBooks } from '../../helpers/ledger.ts'

const JOB_GET = 'GET /api/jobs/:id/'

/** A bed whose simulator counts the GETs of jobs it is sent; `gets()` is how many so far. */
async function countingBed (options: BedOptions = {}) {
  const bed = await dataPlaneBed(t, options)
  await bed.sim.fault({ kind: 'latency', route: JOB_GET, delayMs: 0 })
  const gets = async () =>
    (await bed.sim.control<{ rules: Array<{ matched: number }> }>('GET', '/faults')).rules[0]?.matched ?? -1
  return { bed, gets }
}

/** `count` jobs, each moved on to processing (status 1) in the simulator, whose clock stands still. */
async function runningJobs (bed: Bed, count: number): Promise<number[]> {
  const ids: number[] = []
  for (let i = 0; i < count; i++) {
    const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
    if (res.status !== 201) throw new Error(`create answered ${res.status}`)
    ids.push(Number(res.body.id))
    await bed.sim.advance(Number(res.body.id))
  }
  return ids
}

interface Storm {
  polls: number
  /** from the first poll to the last answer: polls sent just before the deadline are answered after it */
  elapsedMs: number
  statuses: Map<number, number>
  /** the last job status each job's pollers were shown */
  lastSeen: Map<number, number>
}

/**
 * `pollers` clients, each polling one of the jobs (round robin) as fast as its answers come, over one keep-alive
 * pool, until `ms` have passed; `during` runs meanwhile.
 */
async function storm (bed: Bed, ids: number[], options: { pollers: number, ms: number, during?: () => Promise<void> }):
Promise<Storm> {
  const pool = new Pool(bed.origin, { connections: 64 })
  const started = Date.now()
  const deadline = started + options.ms
  const result: Storm = { polls: 0, elapsedMs: 0, statuses: new Map(), lastSeen: new Map() }
  const poller = async (id: number) => {
    while (Date.now() < deadline) {
      const res = await pool.request({ method: 'GET', path: `/api/jobs/${id}/`, headers: { authorization: `Token ${bed.key.key}` } })
      const text = await res.body.text()
      result.polls++
      result.statuses.set(res.statusCode, (result.statuses.get(res.statusCode) ?? 0) + 1)
      if (res.statusCode === 200) result.lastSeen.set(id, (JSON.parse(text) as { status: number }).status)
    }
  }
  try {
    await Promise.all([
      ...Array.from({ length: options.pollers }, (_, i) => poller(ids[i % ids.length] as number)),
      options.during?.()
    ])
  } finally {
    result.elapsedMs = Date.now() - started
    await pool.close()
  }
  return result
}

/** The most upstream GETs `jobs` jobs polled for `ms` cost with the default window (1 s): one per started second. */
const windowsBound = (jobs: number, ms: number) => jobs * (Math.floor(ms / 1000) + 1)

t.test('1,000 pollers of 10 running jobs make at most one upstream GET per job per window', async t => {
  const { bed, gets } = await countingBed()
  const ids = await runningJobs(bed, 10)
  const before = await gets()
  const ms = 5000
  const result = await storm(bed, ids, { pollers: 1000, ms })
  const upstream = (await gets()) - before
  t.same([...result.statuses.keys()], [200], 'every poll answered 200')
  // a new call for a job starts only a full window (1 s) after the last one did
  const bound = windowsBound(ids.length, result.elapsedMs)
  t.ok(upstream <= bound, `${upstream} upstream GETs for ${result.polls} polls in ${result.elapsedMs} ms: at most ${bound}`)
  t.ok(upstream >= ids.length, 'each job was read from TensorPix')
  t.ok(result.polls >= 10 * upstream, `the polls (${result.polls}) were mostly answered from memory`)
  t.ok([...result.lastSeen.values()].every(status => status === 1), 'all shown processing')
})

t.test('jobs ending during a storm are settled once each, and every poller sees the end within the window', async t => {
  const { bed, gets } = await countingBed()
  const ids = await runningJobs(bed, 10)
  const [failing, finishing] = [ids.slice(0, 5), ids.slice(5)]
  const before = await gets()
  const result = await storm(bed, ids, {
    pollers: 500,
    ms: 4000,
    during: async () => {
      await sleep(1500)
      await Promise.all([...failing.map(id => bed.sim.fail(id)), ...finishing.map(id => bed.sim.complete(id))])
    }
  })
  const upstream = (await gets()) - before
  t.same([...result.statuses.keys()], [200], 'every poll answered 200')
  const bound = windowsBound(ids.length, result.elapsedMs)
  t.ok(upstream <= bound, `${upstream} upstream GETs for ${result.polls} polls in ${result.elapsedMs} ms: at most ${bound}`)
  for (const id of failing) t.equal(result.lastSeen.get(id), -1, `job ${id}: its pollers were last shown the failure`)
  for (const id of finishing) t.equal(result.lastSeen.get(id), 2, `job ${id}: its pollers were last shown the finish`)

  const kinds = async (upstreamId: number) => {
    const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId } })
    return { job, kinds: (await bed.ledger()).filter(r => r.jobId === job.id).map(r => r.kind) }
  }
  for (const id of failing) {
    const { job, kinds: rows } = await kinds(id)
    t.equal(job.state, 'failed')
    t.same(rows, ['hold', 'release', 'charge', 'refund'], `job ${id}: refunded once`)
  }
  for (const id of finishing) {
    const { job, kinds: rows } = await kinds(id)
    t.equal(job.state, 'finished')
    t.same(rows, ['hold', 'release', 'charge'], `job ${id}: charged once, at create`)
    t.equal(await bed.gw.db.mediaObject.count({ where: { jobId: job.id, kind: 'restored_video' } }), 1,
      `job ${id}: its output recorded once`)
  }
  await assertBooks(t, bed.gw.db, { sim: bed.sim })
})

t.test('an ended job is not read again while its running neighbour is', async t => {
  // a short window, so that a running job is read again many times over while the test waits
  const { bed, gets } = await countingBed({ env: { JOB_REFRESH_MS: '50' } })
  const [ended, running] = await runningJobs(bed, 2) as [number, number]
  await bed.sim.complete(ended)
  t.equal((await bed.api.get(`/api/jobs/${ended}/`)).body.status, 2, 'the finish is read (and settled)')
  const before = await gets()
  const deadline = Date.now() + 600
  let polls = 0
  while (Date.now() < deadline) {
    const [a, b] = await Promise.all([bed.api.get(`/api/jobs/${ended}/`), bed.api.get(`/api/jobs/${running}/`)])
    t.equal(a.body.status, 2)
    t.equal(b.body.status, 1)
    polls++
    await sleep(60)
  }
  t.equal((await gets()) - before, polls, `one upstream GET a round over ${polls} rounds: the running job's`)
})

t.test('JOB_REFRESH_MS=0: every poll reads TensorPix, concurrent ones too', async t => {
  const { bed, gets } = await countingBed({ env: { JOB_REFRESH_MS: '0' } })
  const [id] = await runningJobs(bed, 1) as [number]
  const before = await gets()
  for (let i = 0; i < 5; i++) t.equal((await bed.api.get(`/api/jobs/${id}/`)).status, 200)
  const concurrent = await Promise.all(Array.from({ length: 20 }, () => bed.api.get(`/api/jobs/${id}/`)))
  t.ok(concurrent.every(res => res.status === 200))
  t.equal((await gets()) - before, 25, 'one upstream GET per poll, as before issue 19')
  t.equal(bed.gw.app.jobPolls.size, 0, 'nothing kept')
})

t.test('the status sync and the clients share their reads', async t => {
  const { bed, gets } = await countingBed({ env: { JOB_REFRESH_MS: '300' } })
  const [synced, polled] = await runningJobs(bed, 2) as [number, number]
  const deps = {
    db: bed.gw.db, upstream: bed.gw.app.upstream, log: bed.gw.app.log, now: () => new Date(), polls: bed.gw.app.jobPolls
  }
  const syncNow = async (upstreamId: number) => {
    await bed.gw.db.job.updateMany({ where: { upstreamId }, data: { nextSyncAt: new Date(Date.now() - 1000) } })
    await syncDueJobs(deps)
    return bed.gw.db.job.findFirstOrThrow({ where: { upstreamId } })
  }

  await bed.sim.fail(synced)
  let count = await gets()
  t.equal((await syncNow(synced)).state, 'failed', 'the sync reads the failure and settles it')
  t.equal(await gets(), count + 1, 'with one upstream GET')
  count++
  t.equal((await bed.api.get(`/api/jobs/${synced}/`)).body.status, -1, 'a poll right after is answered with the sync\'s read')
  t.equal(await gets(), count, 'without an upstream GET of its own')
  const refunds = (await bed.ledger()).filter(r => r.kind === 'refund')
  t.equal(refunds.length, 1, 'one refund')

  // the first read stores the job, and the sync's next poll follows from that; a read after it (the window waited
  // out) is one the record does not show
  t.equal((await bed.api.get(`/api/jobs/${polled}/`)).body.status, 1)
  await sleep(350)
  t.equal((await bed.api.get(`/api/jobs/${polled}/`)).body.status, 1)
  count = await gets()
  const after = await syncNow(polled)
  t.equal(await gets(), count, 'a client\'s read counts as the sync\'s poll: no upstream GET')
  const next = after.nextSyncAt?.getTime() ?? 0
  t.ok(next > Date.now() + 3000 && next < Date.now() + 6000, 'the sync\'s next poll is an interval after that read')

  const elsewhere = { ...deps, polls: undefined }
  await bed.gw.db.job.updateMany({ where: { upstreamId: polled }, data: { nextSyncAt: new Date(Date.now() - 1000) } })
  await syncDueJobs(elsewhere)
  t.equal(await gets(), count + 1, 'a sync without this replica\'s memory (another replica\'s) reads TensorPix itself')
})

t.test('a job TensorPix answered 404 for is read by the sync itself, so its 404s count only when consecutive', async t => {
  const { bed, gets } = await countingBed({ env: { JOB_REFRESH_MS: '300' } })
  const [id] = await runningJobs(bed, 1) as [number]
  const deps = {
    db: bed.gw.db, upstream: bed.gw.app.upstream, log: bed.gw.app.log, now: () => new Date(), polls: bed.gw.app.jobPolls
  }
  // the sync's last poll was a 404 (TensorPix lost the job for a moment); a client has read it since (the first
  // read stores the job, the second, the window waited out, is one the record does not show)
  t.equal((await bed.api.get(`/api/jobs/${id}/`)).body.status, 1)
  await bed.gw.db.job.updateMany({ where: { upstreamId: id }, data: { notFoundPolls: 1, notFoundSince: new Date() } })
  await sleep(350)
  t.equal((await bed.api.get(`/api/jobs/${id}/`)).body.status, 1)
  const count = await gets()
  await bed.gw.db.job.updateMany({ where: { upstreamId: id }, data: { nextSyncAt: new Date(Date.now() - 1000) } })
  await syncDueJobs(deps)
  t.equal(await gets(), count + 1, 'the sync reads TensorPix: a client\'s read does not stand for it while 404s are counted')
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: id } })
  t.same([job.notFoundPolls, job.notFoundSince], [0, null], 'its answer ends the run of 404s')
})

t.test('a DELETE of a job the sync ended while its polls came from memory is not measured as a cancel', async t => {
  const { bed } = await countingBed({ env: { JOB_REFRESH_MS: '300' } })
  const [id] = await runningJobs(bed, 1) as [number]
  const deps = {
    db: bed.gw.db, upstream: bed.gw.app.upstream, log: bed.gw.app.log, now: () => new Date(), polls: bed.gw.app.jobPolls
  }
  t.equal((await bed.api.get(`/api/jobs/${id}/`)).body.status, 1, 'this replica\'s view: running')
  await bed.sim.fail(id)
  await bed.gw.db.job.updateMany({ where: { upstreamId: id }, data: { nextSyncAt: new Date(Date.now() - 1000) } })
  await syncDueJobs(deps)
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: id } })
  t.equal(job.state, 'failed', 'the sync settled the failure')
  t.equal((await bed.api.get(`/api/jobs/${id}/`)).body.status, -1, 'polls are answered with the sync\'s read')
  await bed.api.delete(`/api/jobs/${id}/`)
  t.equal(await bed.gw.db.cancelBracket.count({ where: { jobId: job.id } }), 0,
    'the record has ended: the cancel is sent without holding creates back for a measurement')
})
