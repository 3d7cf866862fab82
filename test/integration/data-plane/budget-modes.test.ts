// Soft budgets let a job through with an alert; per-key limits set through the admin API bind on the data plane.
import t from 'tap'
import { makeKey } from '../../helpers/factories.ts'
import { client, dataPlaneBed, fromUrl } from '../../helpers/data-plane.ts'

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
  const created = await bed.gw.app.inject({
    method: 'POST',
    url: `/admin/v1/teams/${bed.team.slug}/keys`,
    headers: { authorization: `Bearer ${admin.key}` },
    payload: { name: 'limited', scopes: ['jobs:read', 'jobs:write'], limits: { requestsPerMinute: 2, maxConcurrentJobs: 1 } }
  })
  t.equal(created.statusCode, 201)
  t.same(created.json().limits, { requestsPerMinute: 2, maxConcurrentJobs: 1, maxJobsPerDay: null })
  const api = client(bed.origin, created.json().key)
  t.equal((await api.post('/api/jobs/from-url/', { json: fromUrl(bed) })).status, 201)
  const second = await api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(second.status, 429, 'one active job per key')
  t.match(second.body.detail, /maxConcurrentJobs/)
  const third = await api.get('/api/jobs/')
  t.equal(third.status, 429, 'two requests per minute per key')
  t.ok(third.headers.get('retry-after'))
  t.equal(third.headers.get('x-ratelimit-limit'), '2')
})
