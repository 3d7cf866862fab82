// The drift check: a settled job whose ledger net differs from TensorPix's figures raises one
// `reconciliation.drift` event for its team, once; agreeing jobs and still-running jobs raise nothing.
import t from 'tap'
import { Decimal } from 'decimal.js'
import { reconciliationReport } from '../../../src/reports/reconciliation.ts'
import { checkDrift, driftWindow } from '../../../src/workers/drift.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'

async function create (bed: Bed): Promise<number> {
  const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`)
  return Number(res.body.id)
}

/** Makes our stored copy of TensorPix's figures disagree with the ledger by one ten-thousandth of a credit. */
async function plantDrift (bed: Bed, upstreamId: number) {
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId } })
  const snapshot = job.snapshot as Record<string, unknown>
  const cost = new Decimal(String(snapshot.cost_usd ?? job.actualCost ?? 0)).plus('0.0001').toFixed(4)
  await bed.gw.db.job.update({ where: { id: job.id }, data: { snapshot: { ...snapshot, cost_usd: cost } } })
  return job.id
}

t.test('driftWindow covers the look-back days and today, in UTC', async t => {
  const window = driftWindow(new Date('2026-03-10T23:30:00Z'), 2)
  t.equal(window.from.toISOString(), '2026-03-08T00:00:00.000Z')
  t.equal(window.to.toISOString(), '2026-03-11T00:00:00.000Z')
})

t.test('one event per drifting settled job, never repeated; agreeing and running jobs stay quiet', async t => {
  const bed = await dataPlaneBed(t)
  const { db } = bed.gw
  await db.webhookEndpoint.create({ data: { teamId: bed.team.id, url: 'https://hooks.example.test/tpx', secret: 'whsec_test', events: [] } })
  const deps = { db, now: () => new Date() }

  const [agreeing, drifting, running] = [await create(bed), await create(bed), await create(bed)]
  for (const id of [agreeing, drifting]) {
    await bed.sim.complete(id)
    t.equal((await bed.api.get(`/api/jobs/${id}/`)).body.status, 2, 'finished and settled through the gateway')
  }
  t.equal(await checkDrift(deps, 7), 0, 'no drift while the ledger agrees with TensorPix')

  const driftingJobId = await plantDrift(bed, drifting)
  t.equal((await bed.api.get(`/api/jobs/${running}/`)).status, 200, 'the running job has a stored snapshot')
  await plantDrift(bed, running)
  t.equal((await reconciliationReport(db, driftWindow(new Date(), 7))).driftJobs, 2, 'the report lists both')
  t.equal(await checkDrift(deps, 7), 1, 'the team is told once')
  const deliveries = await db.webhookDelivery.findMany({ where: { eventType: 'reconciliation.drift' } })
  t.equal(deliveries.length, 1)
  const data =
    (deliveries[0]?.payload as { data: { drift: string, jobs: Array<{ jobId: string, drift: string }> } }).data
  t.same(data.jobs.map(j => j.jobId), [driftingJobId], 'only the settled job is named; the running one may still move')
  t.equal(data.jobs[0]?.drift, '-0.0001', 'ledger net minus TensorPix\'s cost')

  t.equal(await checkDrift(deps, 7), 0, 'a known drift is not announced again')
  t.equal(await db.webhookDelivery.count({ where: { eventType: 'reconciliation.drift' } }), 1)
})
