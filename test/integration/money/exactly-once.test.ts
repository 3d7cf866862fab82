// Acceptance "Exactly once": 50 concurrent GET /api/jobs/{id}/ (and a status-sync pass) as a job reaches its terminal
// status produce one terminal transition and its money rows once.
import t from 'tap'
import type { Test } from 'tap'
import { Decimal } from 'decimal.js'
import { syncDueJobs } from '../../../src/workers/status-sync.ts'
import { makeTeamWithKey } from '../../helpers/factories.ts'
import { client } from '../../helpers/http.ts'
import { assertBooks } from '../../helpers/ledger.ts'
import { moneyBed } from '../../helpers/money-bed.ts'
import { workerDeps } from '../../helpers/workers.ts'

const GETS = 50

async function bed (t: Test) {
  const { sim, clip, gw, origin, cost } = await moneyBed(t)
  // the hold is twice the cost, so the create writes hold, release and charge rows
  const { team, key } = await makeTeamWithKey(gw.db, {
    budgetCredits: '5', maxJobCost: cost.times(2).toFixed(4), urlPolicy: { httpsOnly: false }
  })
  const api = client(origin, key.key)
  const deps = workerDeps(t, gw.db, sim)
  const create = async () => {
    const res = await api.post('/api/jobs/from-url/', { json: clip.body() })
    t.equal(res.status, 201, 'created')
    const upstreamId = Number(res.body.id)
    const job = await gw.db.job.findFirstOrThrow({ where: { upstreamId } })
    return { upstreamId, job }
  }
  /** 50 GETs at once and a sync pass on the due job, all started together */
  const race = async (jobId: string, upstreamId: number) => {
    await gw.db.job.update({ where: { id: jobId }, data: { nextSyncAt: new Date(Date.now() - 1000) } })
    const [gets] = await Promise.all([
      Promise.all(Array.from({ length: GETS }, () => api.get(`/api/jobs/${upstreamId}/`))),
      syncDueJobs(deps)
    ])
    return gets
  }
  const rows = (jobId: string) => gw.db.ledgerEntry.findMany({ where: { jobId }, orderBy: { id: 'asc' } })
  return { sim, gw, cost, team, create, race, rows }
}

t.test(`${GETS} concurrent GETs and a sync pass as a job finishes: one charge row, one terminal transition`, async t => {
  const b = await bed(t)
  const { upstreamId, job } = await b.create()
  await b.sim.complete(upstreamId)
  const gets = await b.race(job.id, upstreamId)
  t.ok(gets.every(g => g.status === 200 && g.body.status === 2), `all ${GETS} GETs answer 200 with status 2`)
  t.ok(gets.every(g => g.headers.get('x-credits-held') !== null), 'job answers carry the budget headers')

  const rows = await b.rows(job.id)
  t.same(rows.map(r => r.kind), ['hold', 'release', 'charge'], 'the ledger has the create\'s hold, release and one charge — no settlement row (final cost = create cost)')
  t.ok(new Decimal(rows[2]?.amount.toString() ?? 0).equals(b.cost), 'the charge is the cost')
  const after = await b.gw.db.job.findUniqueOrThrow({ where: { id: job.id } })
  t.equal(after.state, 'finished')
  t.ok(new Decimal(after.actualCost?.toString() ?? 0).equals(b.cost), 'actual cost recorded once')
  t.equal(await b.gw.db.mediaObject.count({ where: { jobId: job.id, kind: 'restored_video' } }), 1, 'the output is recorded once')
  const usage = await b.gw.db.teamPeriodUsage.findFirstOrThrow({ where: { teamId: b.team.id } })
  t.ok(new Decimal(usage.charged.toString()).equals(b.cost), 'usage charged = cost')
  await assertBooks(t, b.gw.db)
})

t.test(`${GETS} concurrent GETs and a sync pass as a job fails: exactly one refund of the full amount`, async t => {
  const b = await bed(t)
  const { upstreamId, job } = await b.create()
  await b.sim.fail(upstreamId)
  const gets = await b.race(job.id, upstreamId)
  t.ok(gets.every(g => g.status === 200 && g.body.status === -1), `all ${GETS} GETs answer 200 with status -1`)

  const rows = await b.rows(job.id)
  t.same(rows.map(r => r.kind), ['hold', 'release', 'charge', 'refund'], 'one charge and exactly one refund row')
  t.ok(new Decimal(rows[3]?.amount.toString() ?? 0).equals(b.cost), `the refund is the full amount ${b.cost.toFixed(4)}`)
  const after = await b.gw.db.job.findUniqueOrThrow({ where: { id: job.id } })
  t.equal(after.state, 'failed')
  t.ok(new Decimal(after.refundedCost.toString()).equals(b.cost), 'refunded cost recorded once')
  const usage = await b.gw.db.teamPeriodUsage.findFirstOrThrow({ where: { teamId: b.team.id } })
  t.ok(new Decimal(usage.charged.toString()).isZero(), 'the team pays nothing for a failed job')
  // and neither does the master account
  await assertBooks(t, b.gw.db, { sim: b.sim })
})

t.test('a terminal status seen again later moves no money', async t => {
  const b = await bed(t)
  const { upstreamId, job } = await b.create()
  await b.sim.fail(upstreamId)
  await b.race(job.id, upstreamId)
  const before = await b.rows(job.id)
  // more reads, and a sync pass on a job made due again by hand: already terminal, so nothing happens
  await b.race(job.id, upstreamId)
  t.equal((await b.rows(job.id)).length, before.length, 'no ledger row after the terminal transition')
})
