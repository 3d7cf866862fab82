// Soft budgets let a job through with an alert; per-key limits set through the admin API bind on the data plane.
import t from 'tap'
import { makeKey } from '../../helpers/factories.ts'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'
import { client } from '../../helpers/http.ts'
import { assertBooks } from '../../helpers/ledger.ts'

t.test('a soft budget allows an over-budget job and flags it', async t => {
  const bed = await dataPlaneBed(t, { team: { budgetCredits: '5', budgetMode: 'soft', urlPolicy: { httpsOnly: false } } })
  const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(res.status, 201, 'the hold (10) exceeds the budget (5), but the budget is soft')
  t.equal(res.headers.get('x-budget-alert'), 'soft budget exceeded', 'alerts count held credits, as the hold went over')

  const hard = await bed.newTeam({ budgetCredits: '5', budgetMode: 'hard' })
  t.equal((await hard.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })).status, 402, 'the same job on a hard budget is refused')

  const broke = await bed.newTeam({ budgetCredits: '0', budgetMode: 'soft', maxJobCost: '0.0100' })
  const over = await broke.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(over.status, 201)
  t.equal(over.headers.get('x-budget-alert'), 'soft budget exceeded')
  t.ok(bed.gw.logs.some(l => l.includes('soft budget exceeded')), 'and the gateway logs it')
})

t.test('per-key limits from the admin API bind on the data plane', async t => {
  const bed = await dataPlaneBed(t)
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  const limits = { requestsPerMinute: 2, maxConcurrentJobs: 1 }
  const created = await client(bed.gw.app, admin.key, 'Bearer').post(`/admin/v1/teams/${bed.team.slug}/keys`, {
    json: { name: 'limited', scopes: ['jobs:read', 'jobs:write'], limits }
  })
  t.equal(created.status, 201)
  t.same(created.body.limits, { requestsPerMinute: 2, maxConcurrentJobs: 1, maxJobsPerDay: null })
  const api = client(bed.origin, String(created.body.key))
  t.equal((await api.post('/api/jobs/from-url/', { json: fromUrl(bed) })).status, 201)
  const second = await api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(second.status, 429, 'one active job per key')
  t.match(second.body.detail, /maxConcurrentJobs/)
  const third = await api.get('/api/jobs/')
  t.equal(third.status, 429, 'two requests per minute per key')
  t.ok(third.headers.get('retry-after'))
  t.equal(third.headers.get('x-ratelimit-limit'), '2')
})

t.test('an actual cost above what a hard budget allows is cancelled at TensorPix and refunded', async t => {
  // the hold (maxJobCost) fits the budget, the actual cost (the simulator's minimum 0.0100) does not
  const bed = await dataPlaneBed(t, { team: { budgetCredits: '0.0060', maxJobCost: '0.0050', urlPolicy: { httpsOnly: false } } })
  const before = await bed.sim.account()
  const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(res.status, 402)
  t.match(res.body.detail, /costs 0\.0100 credits, more than the team has left; it was cancelled at TensorPix/)
  const after = await bed.sim.account()
  t.equal(after.jobs_created, before.jobs_created + 1, 'the job was created upstream')
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { teamId: bed.team.id } })
  t.equal(job.state, 'cancelled')
  t.same((await bed.ledger()).map(r => `${r.kind} ${r.amount}`),
    ['hold 0.0050', 'release 0.0050', 'charge 0.0100', 'refund 0.0100'], 'charged as TensorPix did, then refunded as TensorPix did')
  t.same(await bed.usage(), { charged: '0.0000', held: '0.0000', adjusted: '0.0000' })
  await assertBooks(t, bed.gw.db, { sim: bed.sim })
})
