// A finished or cancelled job whose snapshot carries no cost_usd (missing or null) keeps its charge, flagged on the
// job for an operator, and reconciliation lists it as drift: reading the missing cost as 0 refunded the whole charge
// and showed no drift. A failure is refunded whatever TensorPix reports. The simulator always reports a cost, so the
// snapshots are TensorPix's own with only the cost taken out.
import t from 'tap'
import { applySnapshot } from '../../../src/jobs/snapshot.ts'
import { reconciliationReport } from '../../../src/reports/reconciliation.ts'
import type { TensorpixJob } from '../../../src/tensorpix/jobs.ts'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'

const DAY_MS = 86_400_000

t.test('an ended job reported without a cost', async t => {
  const bed = await dataPlaneBed(t)

  const endWithout = async (status: number, cost: Partial<TensorpixJob>) => {
    const created = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
    t.equal(created.status, 201)
    const finished = await bed.sim.complete(Number(created.body.id))
    const withoutCost: Partial<TensorpixJob> = { ...finished }
    delete withoutCost.cost_usd
    const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: Number(created.body.id) } })
    const ended = await applySnapshot(bed.gw.db, job, { ...withoutCost, ...cost, status } as TensorpixJob, new Date())
    const refunds = await bed.gw.db.ledgerEntry.count({ where: { jobId: job.id, kind: 'refund' } })
    return { ended, refunds, charged: String(created.body.cost_usd) }
  }

  await t.test('finished, cost missing: the charge is kept and flagged', async t => {
    const { ended, refunds, charged } = await endWithout(2, {})
    t.match(ended, { state: 'finished', error: /no cost for the finished job/ })
    t.equal(refunds, 0, 'nothing refunded')
    t.equal(ended.actualCost?.toFixed(4), charged)
  })

  await t.test('cancelled, cost null: the charge is kept and flagged', async t => {
    const { ended, refunds } = await endWithout(-2, { cost_usd: null as unknown as string })
    t.match(ended, { state: 'cancelled', error: /no cost for the cancelled job/ })
    t.equal(refunds, 0, 'nothing refunded')
  })

  await t.test('failed, cost missing: everything back, nothing to flag', async t => {
    const { ended, refunds } = await endWithout(-1, {})
    t.match(ended, { state: 'failed', error: null })
    t.equal(refunds, 1)
  })

  await t.test('reconciliation lists the jobs without a cost as drift', async t => {
    const now = Date.now()
    const report = await reconciliationReport(bed.gw.db, { from: new Date(now - DAY_MS), to: new Date(now + DAY_MS) })
    t.equal(report.driftJobs, 2)
    t.same(report.teams[0]?.jobs.map(j => j.state).sort(), ['cancelled', 'finished'])
    for (const job of report.teams[0]?.jobs ?? []) t.equal(job.drift, job.ledgerNet, 'all of the kept charge is drift')
  })
})
