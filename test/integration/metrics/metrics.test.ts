// GET /metrics behind a control-plane key: traffic through the data plane moves the request, latency, upstream,
// ledger, budget, job and key-cache figures; a movement rolled back with its transaction is not counted.
import t from 'tap'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { makeKey } from '../../helpers/factories.ts'
import { client } from '../../helpers/http.ts'
import { metricValue, parseMetrics, type Sample } from '../../helpers/prometheus.ts'

async function scrape (bed: Bed, key: string): Promise<Sample[]> {
  const res = await client(bed.gw.app, key, 'Bearer').get('/metrics')
  if (res.status !== 200) throw new Error(`scrape: ${res.status} ${res.text}`)
  return parseMetrics(res.text)
}

t.test('/metrics needs an admin or finance key', async t => {
  const bed = await dataPlaneBed(t)
  const get = (key: string | null) => client(bed.gw.app, key, 'Bearer').get('/metrics')
  const anonymous = await get(null)
  t.equal(anonymous.status, 401)
  t.match(anonymous.body, { error: 'unauthorized', requestId: String })
  const team = await get(bed.key.key)
  t.equal(team.status, 403, 'a team jobs key is refused')
  t.match(team.body, { error: 'forbidden' })
  t.notMatch(team.text, /tpx_/, 'and sees no metric')
  for (const scope of ['admin', 'finance'] as const) {
    const key = await makeKey(bed.gw.db, { scopes: [scope] })
    const res = await get(key.key)
    t.equal(res.status, 200, `a ${scope} key scrapes`)
    t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
    t.match(res.text, /# TYPE tpx_http_requests_total counter/)
  }
})

t.test('traffic moves the figures', async t => {
  // every read asks TensorPix, so the failure is read (and refunded) by the GET right after it
  const bed = await dataPlaneBed(t, { env: { JOB_REFRESH_MS: '0' } })
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  const before = await scrape(bed, admin.key)
  const delta = (after: Sample[], name: string, labels: Record<string, string> = {}) =>
    metricValue(after, name, labels) - metricValue(before, name, labels)

  const created = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(created.status, 201)
  const cost = Number(created.body.cost_usd)
  t.equal((await bed.api.get(`/api/jobs/${String(created.body.id)}/`)).status, 200)
  t.equal((await bed.api.get(`/api/jobs/${String(created.body.id)}/`)).status, 200)
  t.equal((await client(bed.gw.app, 'tgw_aaaaaaaaaaaa_' + 'x'.repeat(43)).get('/api/jobs/')).status, 401)
  t.equal((await client(bed.gw.app, null).get('/no/such/path/12345')).status, 404)

  const during = await scrape(bed, admin.key)
  const requests = (route: string, status: string, method = 'GET') => delta(during, 'tpx_http_requests_total', { method, route, status })
  t.equal(requests('/api/jobs/from-url/', '201', 'POST'), 1, 'the create, by route pattern and status')
  t.equal(requests('/api/jobs/:id/', '200'), 2, 'the reads, under the pattern, not the URL')
  t.equal(requests('/api/jobs/', '401'), 1, 'the refused key')
  t.equal(requests('(unmatched)', '404'), 1, 'an unknown URL under one label')
  t.notOk(during.some(s => Object.values(s.labels).some(v => v.includes(String(created.body.id)) || v.includes('12345'))), 'no raw URL in any label')

  t.equal(delta(during, 'tpx_http_request_duration_seconds_count', { method: 'GET', route: '/api/jobs/:id/' }), 2, 'latency observed per request')
  t.ok(delta(during, 'tpx_http_request_duration_seconds_sum', { method: 'GET', route: '/api/jobs/:id/' }) > 0)
  t.equal(delta(during, 'tpx_gateway_overhead_seconds_count', { method: 'POST', route: '/api/jobs/from-url/' }), 1, 'the gateway\'s own time of the create')
  t.equal(delta(during, 'tpx_gateway_overhead_seconds_count', { method: 'GET', route: '/api/jobs/' }), 0, 'a request that never reached TensorPix has no overhead sample')
  const overhead = delta(during, 'tpx_gateway_overhead_seconds_sum', { method: 'POST', route: '/api/jobs/from-url/' })
  const total = delta(during, 'tpx_http_request_duration_seconds_sum', { method: 'POST', route: '/api/jobs/from-url/' })
  t.ok(overhead > 0 && overhead < total, `overhead ${overhead.toFixed(4)} s is part of the create's ${total.toFixed(4)} s`)
  t.ok(delta(during, 'tpx_upstream_requests_total', { outcome: 'ok' }) >= 3, 'upstream calls counted as ok')
  t.ok(delta(during, 'tpx_upstream_request_duration_seconds_count') >= 3, 'and timed')

  t.equal(delta(during, 'tpx_ledger_credits_total', { kind: 'hold' }), 10, 'the default hold of 10 credits')
  t.equal(delta(during, 'tpx_ledger_credits_total', { kind: 'release' }), 10, 'released at settlement')
  t.equal(Number(delta(during, 'tpx_ledger_credits_total', { kind: 'charge' }).toFixed(4)), cost, 'the actual cost charged')
  const slug = bed.team.slug
  t.equal(metricValue(during, 'tpx_team_budget_credits', { team: slug }), 100, 'the team\'s budget, by slug')
  t.equal(metricValue(during, 'tpx_team_budget_charged_credits', { team: slug }), cost)
  t.equal(metricValue(during, 'tpx_team_budget_held_credits', { team: slug }), 0)
  t.equal(metricValue(during, 'tpx_jobs_active', { state: 'queued' }), 1, 'the job is active')
  t.equal(metricValue(during, 'tpx_jobs_vanished'), 0, 'none set aside')
  t.ok(delta(during, 'tpx_key_cache_lookups_total', { result: 'miss' }) >= 1, 'the first verification missed the cache')
  t.ok(delta(during, 'tpx_key_cache_lookups_total', { result: 'hit' }) >= 2, 'later ones hit it')
  t.equal(metricValue(during, 'tpx_metrics_database_up'), 1)
  t.ok(metricValue(during, 'process_resident_memory_bytes') > 0, 'process metrics too')

  await bed.sim.fail(Number(created.body.id))
  t.equal((await bed.api.get(`/api/jobs/${String(created.body.id)}/`)).body.status, -1)
  const after = await scrape(bed, admin.key)
  t.equal(Number(delta(after, 'tpx_ledger_credits_total', { kind: 'refund' }).toFixed(4)), cost, 'a failed job is refunded in full')
  t.equal(metricValue(after, 'tpx_team_budget_charged_credits', { team: slug }), 0)
  t.equal(metricValue(after, 'tpx_jobs_active', { state: 'queued' }), 0, 'and no longer active')
})

t.test('a hold rolled back by a quota refusal is not counted', async t => {
  const bed = await dataPlaneBed(t, { team: { maxConcurrentJobs: 1 } })
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  const before = await scrape(bed, admin.key)
  t.equal((await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })).status, 201)
  const refused = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(refused.status, 429, 'the second create is over the quota, after its hold was written')
  const after = await scrape(bed, admin.key)
  const holds = metricValue(after, 'tpx_ledger_credits_total', { kind: 'hold' }) - metricValue(before, 'tpx_ledger_credits_total', { kind: 'hold' })
  t.equal(holds, 10, 'one hold of 10 counted: the refused one rolled back')
  t.equal((await bed.ledger()).filter(r => r.kind === 'hold').length, 1, 'as the ledger says')
})

t.test('worker lag is how long the most overdue job has waited', async t => {
  const bed = await dataPlaneBed(t)
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  t.equal(metricValue(await scrape(bed, admin.key), 'tpx_worker_lag_seconds'), 0, 'nothing overdue')
  const created = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(created.status, 201)
  await bed.gw.db.job.updateMany({ data: { nextSyncAt: new Date(Date.now() - 90_000) } })
  const lag = metricValue(await scrape(bed, admin.key), 'tpx_worker_lag_seconds')
  t.ok(lag >= 90 && lag < 100, `a job due 90 s ago: lag ${lag.toFixed(1)} s`)
  await bed.gw.db.job.updateMany({ data: { state: 'finished', nextSyncAt: null } })
  t.equal(metricValue(await scrape(bed, admin.key), 'tpx_worker_lag_seconds'), 0, 'terminal jobs are never late')
})
