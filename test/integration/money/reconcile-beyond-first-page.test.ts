// A lost create found beyond the first page of TensorPix's job list: every team shares the master account, so by
// the time reconciliation looks, hundreds of other jobs may be newer.
import t from 'tap'
import { Decimal } from 'decimal.js'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'
import { assertBooks } from '../../helpers/ledger.ts'
import { reconcileLostCreates } from '../../../src/workers/reconcile.ts'

t.test('reconciliation pages back until it has seen the lost create', async t => {
  const bed = await dataPlaneBed(t)
  await bed.sim.fault({ kind: 'lost_response', route: 'POST /api/jobs/from-url/', times: 1 })
  const lost = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(lost.status, 504)
  await bed.sim.clearFaults()
  // 250 newer jobs of the shared account, created straight at TensorPix
  for (let i = 0; i < 250; i += 25) {
    await Promise.all(Array.from({ length: 25 }, (_, j) =>
      bed.upstream.post('/api/jobs/from-url/', { json: fromUrl(bed, { preview: (i + j) % 2 === 0 }) })))
  }
  const deps = { db: bed.gw.db, upstream: bed.gw.app.upstream, log: bed.gw.app.log, now: () => new Date() }
  // the grace is over at once: without paging, the job would be released although TensorPix charged it
  await reconcileLostCreates(deps, { graceMs: 0, stalePendingMs: 60_000 })
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { id: String(lost.body.gateway_job_id) } })
  t.not(job.upstreamId, null, 'found on a later page')
  t.equal(job.state, 'queued')
  const usage = await bed.usage()
  t.equal(usage.held, '0.0000')
  t.ok(new Decimal(usage.charged).equals(job.actualCost?.toString() ?? -1), 'the team is charged what TensorPix charged')
  // (the simulator's account is not the team's alone here: the newer jobs were created behind the gateway's back)
  await assertBooks(t, bed.gw.db)
})
