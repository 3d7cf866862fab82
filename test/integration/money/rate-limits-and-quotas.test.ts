// Request-rate limits (per key, per team, across replicas with Redis, per process when Redis is down) and the
// quotas checked in the hold transaction (concurrent active jobs, jobs per day).
import t from 'tap'
import type { Test } from 'tap'
import { JOB_SCOPES, makeKey, makeTeam, makeTeamWithKey } from '../../helpers/factories.ts'
import { client, countStatuses, type Answer } from '../../helpers/http.ts'
import { assertBooks } from '../../helpers/ledger.ts'
import { listeningGateway, moneyBed, startMoneySim } from '../../helpers/money-bed.ts'
import { freePort, sharedRedis, spawnGateway } from '../../helpers/processes.ts'
import { databaseForTest } from '../../helpers/test-database.ts'

async function listening (t: Test, env: Record<string, string> = {}, databaseUrl?: string) {
  const sim = await startMoneySim(t)
  return { sim, ...await listeningGateway(t, sim, { env, ...(databaseUrl ? { databaseUrl } : {}) }) }
}

/** A gateway on the simulator and the clip; `teamApi` is a new team's client, with the quota, whose holds fit. */
async function quotaBed (t: Test) {
  const { sim, clip, gw, origin, cost } = await moneyBed(t)
  const teamApi = async (quota: { maxConcurrentJobs?: number, maxJobsPerDay?: number }) => {
    const { key } = await makeTeamWithKey(gw.db, {
      ...quota, maxJobCost: cost.toFixed(4), urlPolicy: { httpsOnly: false }
    })
    return client(origin, key.key)
  }
  return { sim, gw, clip, teamApi }
}

t.test('per-key limit of 5/min: the 6th request is 429 {detail} with Retry-After; X-RateLimit-* on answers', async t => {
  const { gw, origin } = await listening(t)
  const team = await makeTeam(gw.db)
  const key = await makeKey(gw.db, { teamId: team.id, scopes: JOB_SCOPES })
  await gw.db.apiKey.update({ where: { id: key.id }, data: { requestsPerMinute: 5 } })
  const replies: Answer[] = []
  for (let i = 0; i < 6; i++) replies.push(await client(origin, key.key).get('/api/jobs/'))
  t.same(replies.map(r => r.status), [200, 200, 200, 200, 200, 429])
  t.same(replies.map(r => r.headers.get('x-ratelimit-limit')), ['5', '5', '5', '5', '5', '5'], 'X-RateLimit-Limit on every answer')
  t.same(replies.slice(0, 5).map(r => r.headers.get('x-ratelimit-remaining')), ['4', '3', '2', '1', '0'], 'X-RateLimit-Remaining counts down')
  t.ok(replies.every(r => Number(r.headers.get('x-ratelimit-reset')) > 0 && Number(r.headers.get('x-ratelimit-reset')) <= 60), 'X-RateLimit-Reset in seconds')
  const last = replies[5] as Answer
  t.match(last.body, { detail: /throttled/ }, '429 has a {detail}')
  t.ok(Number(last.headers.get('retry-after')) > 0, 'and Retry-After')

  const other = await makeKey(gw.db, { teamId: team.id, scopes: JOB_SCOPES })
  t.equal((await client(origin, other.key).get('/api/jobs/')).status, 200, 'another key of the team is not affected')
})

t.test('a team limit applies across two keys', async t => {
  const { gw, origin } = await listening(t)
  const team = await makeTeam(gw.db, { requestsPerMinute: 4 })
  const keys = [
    await makeKey(gw.db, { teamId: team.id, scopes: JOB_SCOPES }),
    await makeKey(gw.db, { teamId: team.id, scopes: JOB_SCOPES })
  ]
  const replies: Answer[] = []
  for (let i = 0; i < 6; i++) replies.push(await client(origin, keys[i % 2]?.key ?? '').get('/api/jobs/'))
  t.same(replies.map(r => r.status), [200, 200, 200, 200, 429, 429], '4 in total across both keys')
  t.equal(replies[0]?.headers.get('x-ratelimit-limit'), '4')
  const otherTeam = await makeTeam(gw.db, { requestsPerMinute: 4 })
  const otherKey = await makeKey(gw.db, { teamId: otherTeam.id, scopes: JOB_SCOPES })
  t.equal((await client(origin, otherKey.key).get('/api/jobs/')).status, 200, 'another team is not affected')
})

t.test('with Redis, a limit of 60/min per key allows 60 across two replicas, not 120', async t => {
  const redisUrl = await sharedRedis(t)
  const database = await databaseForTest(t)
  const sim = await startMoneySim(t)
  const db = database.db
  const team = await makeTeam(db)
  // a fresh key id names fresh counters, so reruns never collide
  const key = await makeKey(db, { teamId: team.id, scopes: JOB_SCOPES })
  await db.apiKey.update({ where: { id: key.id }, data: { requestsPerMinute: 60 } })
  const env = { DATABASE_URL: database.url, TENSORPIX_BASE_URL: sim.url, TENSORPIX_TOKEN: sim.token, REDIS_URL: redisUrl, WORKERS: 'false' }
  const gateways = await Promise.all([spawnGateway(t, env), spawnGateway(t, env)])
  // warm both replicas (key cache, Redis connection) with another key, so the burst meets two ready processes
  const warm = await makeKey(db, { teamId: team.id, scopes: JOB_SCOPES })
  for (const g of gateways) t.equal((await client(g.url, warm.key).get('/api/jobs/')).status, 200, 'replica answers')
  const replies = await Promise.all(Array.from({ length: 130 }, (_, i) =>
    client(gateways[i % 2]?.url ?? '', key.key).get('/api/jobs/')))
  t.same(countStatuses(replies), { 200: 60, 429: 70 }, '60 allowed in total across both replicas')
  const perReplica = [0, 1].map(p => replies.filter((r, i) => i % 2 === p && r.status === 200).length)
  t.comment(`allowed per replica: ${perReplica.join(' / ')}`)
})

t.test('with Redis unreachable, requests still succeed and limits apply per process', async t => {
  const closed = await freePort()
  const env = { REDIS_URL: `redis://127.0.0.1:${closed}` }
  const first = await listening(t, env)
  const second = await listening(t, env, first.gw.databaseUrl)
  const team = await makeTeam(first.gw.db)
  const key = await makeKey(first.gw.db, { teamId: team.id, scopes: JOB_SCOPES })
  await first.gw.db.apiKey.update({ where: { id: key.id }, data: { requestsPerMinute: 5 } })
  for (const [name, { origin }] of [['first', first], ['second', second]] as const) {
    const replies: Answer[] = []
    for (let i = 0; i < 6; i++) replies.push(await client(origin, key.key).get('/api/jobs/'))
    t.same(replies.map(r => r.status), [200, 200, 200, 200, 200, 429], `${name} process: 5 allowed, then 429 (its own counter)`)
    t.equal(replies[0]?.headers.get('x-ratelimit-limit'), '5')
  }
  t.ok(first.gw.logs.some(line => line.includes('Redis unavailable')), 'a warning names the fallback')
})

t.test('quota maxConcurrentJobs = 2: the third active job is 429 naming the quota; nothing forwarded or held', async t => {
  const { sim, gw, clip, teamApi } = await quotaBed(t)
  const api = await teamApi({ maxConcurrentJobs: 2 })
  const create = () => api.post('/api/jobs/from-url/', { json: clip.body() })
  const before = await sim.account()
  const a = await create()
  const b = await create()
  const c = await create()
  t.same([a.status, b.status, c.status], [201, 201, 429])
  t.match(c.body.detail, /maxConcurrentJobs/, '429 names the quota')
  t.match(c.body.detail, /at most 2 active jobs per team/)
  t.ok(Number(c.headers.get('retry-after')) > 0, 'with Retry-After')
  t.equal((await sim.account()).jobs_created - before.jobs_created, 2, 'the refused create was not forwarded')
  await assertBooks(t, gw.db) // and holds nothing

  await sim.complete(Number(a.body.id))
  t.equal((await api.get(`/api/jobs/${String(a.body.id)}/`)).body.status, 2)
  t.equal((await create()).status, 201, 'a finished job frees a slot')

  // under concurrency too: six creates at once for a fresh team with the same quota
  const busyApi = await teamApi({ maxConcurrentJobs: 2 })
  const burst = await Promise.all(Array.from({ length: 6 }, (_, i) =>
    busyApi.post('/api/jobs/from-url/', { json: clip.body(i) })))
  t.same(countStatuses(burst), { 201: 2, 429: 4 }, '6 concurrent creates: exactly 2 admitted')
})

t.test('quota maxJobsPerDay = 3: the fourth job of the day is 429 naming the quota, Retry-After until midnight UTC', async t => {
  const { gw, clip, teamApi } = await quotaBed(t)
  const api = await teamApi({ maxJobsPerDay: 3 })
  const replies: Answer[] = []
  for (let i = 0; i < 4; i++) replies.push(await api.post('/api/jobs/from-url/', { json: clip.body(i) }))
  t.same(replies.map(r => r.status), [201, 201, 201, 429])
  const last = replies[3] as Answer
  t.match(last.body.detail, /maxJobsPerDay/, '429 names the quota')
  const now = new Date()
  const untilMidnight =
    Math.ceil((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000)
  const retry = Number(last.headers.get('retry-after'))
  t.ok(retry > 0 && Math.abs(retry - untilMidnight) <= 5, `Retry-After ${retry} s ≈ seconds until midnight UTC (${untilMidnight})`)
  await assertBooks(t, gw.db) // the refused create holds nothing
})
