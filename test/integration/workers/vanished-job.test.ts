// A running job TensorPix answers 404 for. A few 404s are counted and forgotten at the next 200; enough of them
// over long enough set the job aside as `vanished`: it no longer holds a maxConcurrentJobs slot, its charge stays
// (TensorPix charged it at create, nothing says it gave the credits back) and says so, and a later 200 is applied.
import t from 'tap'
import type { Teardown } from '../../helpers/teardown.ts'
import { VANISH_AFTER_MS, VANISH_AFTER_POLLS } from '../../../src/jobs/vanished.ts'
import { syncDueJobs } from '../../../src/workers/status-sync.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { workerDeps } from '../../helpers/workers.ts'

const row = (bed: Bed, upstreamId: number) => bed.gw.db.job.findFirstOrThrow({ where: { upstreamId } })

async function create (bed: Bed) {
  return bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
}

function syncAt (bed: Bed, t: Teardown) {
  const clock = { now: new Date() }
  const deps = { ...workerDeps(t, bed.gw.db, bed.sim), now: () => clock.now }
  /** one pass at the clock's time, with every job the sync would ask after made due */
  const pass = async (advanceMs = 0) => {
    clock.now = new Date(clock.now.getTime() + advanceMs)
    await bed.gw.db.$executeRaw`UPDATE jobs SET next_sync_at = now() - interval '1 second' WHERE next_sync_at IS NOT NULL`
    return syncDueJobs(deps)
  }
  return { clock, pass }
}

t.test('404s counted: set aside after enough of them, the slot freed, the charge kept, a later 200 applied', async t => {
  const bed = await dataPlaneBed(t, { team: { maxConcurrentJobs: 1 } })
  const first = await create(bed)
  t.equal(first.status, 201)
  const id = Number(first.body.id)
  const cost = String(first.body.cost_usd)
  t.equal((await create(bed)).status, 429, 'the one slot is taken')

  await bed.sim.fault({ kind: 'error', status: 404, route: `GET /api/jobs/${id}/` })
  const { pass } = syncAt(bed, t)
  const step = VANISH_AFTER_MS / (VANISH_AFTER_POLLS - 1)
  await pass()
  for (let poll = 2; poll < VANISH_AFTER_POLLS; poll++) await pass(step)
  await pass(step - 1)
  t.match(await row(bed, id), { state: 'queued', notFoundPolls: VANISH_AFTER_POLLS },
    `${VANISH_AFTER_POLLS} 404s within ${VANISH_AFTER_MS} ms: still active`)
  await pass(1)
  const vanished = await row(bed, id)
  t.match(vanished, { state: 'vanished', error: /404 .* charge kept/ }, 'set aside, and why')
  t.not(vanished.nextSyncAt, null, 'still asked after')
  t.equal((await bed.usage()).charged, cost, 'the charge stays')
  t.same((await bed.ledger()).filter(r => r.kind === 'refund'), [], 'no refund invented')

  const second = await create(bed)
  t.equal(second.status, 201, 'the slot is free')
  await bed.api.delete(`/api/jobs/${second.body.id}/`)

  await bed.sim.clearFaults()
  await pass(3_600_000)
  t.match(await row(bed, id), { state: 'queued', notFoundPolls: 0, notFoundSince: null }, 'a 200 brings it back')
  await bed.sim.complete(id)
  await pass()
  const ended = await row(bed, id)
  t.equal(ended.state, 'finished', 'and its terminal status settles it')
  t.equal(ended.actualCost?.minus(ended.refundedCost).toFixed(4), (await bed.sim.job(id)).cost_usd)
})

t.test('a passing 404 is forgotten at the next 200', async t => {
  const bed = await dataPlaneBed(t)
  const id = Number((await create(bed)).body.id)
  await bed.sim.fault({ kind: 'error', status: 404, route: `GET /api/jobs/${id}/`, times: 2 })
  const { pass } = syncAt(bed, t)
  await pass()
  await pass(VANISH_AFTER_MS)
  t.match(await row(bed, id), { state: 'queued', notFoundPolls: 2 })
  await pass(VANISH_AFTER_MS)
  t.match(await row(bed, id), { state: 'queued', notFoundPolls: 0, notFoundSince: null }, 'the count starts afresh')
})

t.test('while one job\'s 404s are counted, the job list shows it as last seen', async t => {
  const bed = await dataPlaneBed(t)
  const missing = Number((await create(bed)).body.id)
  const found = Number((await create(bed)).body.id)
  await bed.sim.fault({ kind: 'error', status: 404, route: `GET /api/jobs/${missing}/` })
  const listed = await bed.api.get('/api/jobs/')
  t.equal(listed.status, 200, 'the page is served')
  t.same(listed.list.map(job => Number(job.id)).sort(), [missing, found].sort(), 'with both jobs')
  t.match(listed.list.find(job => Number(job.id) === missing), { id: missing, status: 0 }, 'the 404 one as last seen')
})
