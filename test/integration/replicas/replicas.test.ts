// Two gateway PROCESSES on one PostgreSQL and one Redis, both running the workers, behind nothing but their own
// ports: a request-rate limit is counted once, a budget cannot be overspent by creates split over both, a key
// revoked through one is refused by the other within 2 s, and the workers settle each job once.
import t from 'tap'
import { createDb } from '../../../src/db/client.ts'
import { makeKey, makeTeam } from '../../helpers/factories.ts'
import {
  call, invariantViolations, startClipServer, startMoneySim, totalHeld, type Reply
} from '../../helpers/money-bed.ts'
import { sharedRedis } from '../../helpers/redis.ts'
import { startReplicas } from '../../helpers/replicas.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'

const JOBS: ['jobs:read', 'jobs:write'] = ['jobs:read', 'jobs:write']

const tally = (replies: Reply[]) => replies.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {})

t.test('two replicas', async t => {
  const database = await createTestDatabase()
  t.teardown(database.drop)
  const redisUrl = await sharedRedis(t)
  const sim = await startMoneySim(t)
  const clip = await startClipServer(t)
  const db = createDb({ url: database.url })
  t.teardown(() => db.$disconnect())
  const { replicas, adminKey } = await startReplicas(t, {
    count: 2, databaseUrl: database.url, redisUrl, upstream: sim, env: { WORKER_INTERVAL_MS: '200' }
  })
  const [a, b] = replicas.map(r => r.url) as [string, string]
  const both = (i: number) => i % 2 === 0 ? a : b
  t.comment(`replicas ${a} and ${b}, Redis ${redisUrl}`)

  await t.test('a request-rate limit of 20/min is counted once, not per replica', async t => {
    const team = await makeTeam(db)
    // a fresh key names fresh Redis counters, so reruns against the same Redis never collide
    const key = await makeKey(db, { teamId: team.id, scopes: JOBS })
    await db.apiKey.update({ where: { id: key.id }, data: { requestsPerMinute: 20 } })
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => call(both(i), 'GET', '/api/jobs/', { key: key.key })))
    t.same(tally(replies), { 200: 20, 429: 30 }, '20 allowed in total across both replicas')
    const perReplica = [0, 1].map(p => replies.filter((r, i) => i % 2 === p && r.status === 200).length)
    t.ok(perReplica.every(n => n > 0), `both replicas admitted some (${perReplica.join(' / ')})`)
  })

  await t.test('concurrent creates split over both cannot overspend a hard budget', async t => {
    const N = 8
    const cost = await sim.priceOf({ video_url: clip.url(), ml_models: [34] })
    const team = await makeTeam(db, { budgetCredits: cost.times(N).toFixed(4), maxJobCost: cost.toFixed(4), urlPolicy: { httpsOnly: false } })
    const key = await makeKey(db, { teamId: team.id, scopes: JOBS })
    const before = await sim.account()
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      call(both(i), 'POST', '/api/jobs/from-url/', { key: key.key, json: { video_url: clip.url(i), ml_models: [34] } })))
    t.same(tally(replies), { 201: N, 402: 40 - N }, `exactly ${N} of 40 created`)
    t.equal((await sim.account()).jobs_created - before.jobs_created, N, 'TensorPix saw exactly those')
    const usage = await db.teamPeriodUsage.findFirstOrThrow({ where: { teamId: team.id } })
    t.equal(usage.charged.toFixed(4), cost.times(N).toFixed(4), 'charged the whole budget and not a credit more')
    t.ok((await totalHeld(db)).isZero(), 'nothing left held')

    const created = replies.filter(r => r.status === 201).map(r => Number(r.body.id))
    for (const id of created) await sim.complete(id)
    const deadline = Date.now() + 30_000
    let finished = 0
    while (Date.now() < deadline) {
      finished = await db.job.count({ where: { teamId: team.id, state: 'finished' } })
      if (finished === N) break
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    t.equal(finished, N, 'the two replicas\' status-sync workers recorded every finish, nobody asking')
    t.same(await invariantViolations(db), [], 'and each moved its money once: usage rows equal the re-summed ledger')
    const charges = await db.ledgerEntry.groupBy({ by: ['jobId'], where: { teamId: team.id, kind: 'charge' }, _count: true })
    t.ok(charges.length === N && charges.every(c => c._count === 1), 'one charge row per job')
  })

  await t.test('a key revoked through one replica is refused by the other within 2 s', async t => {
    const team = await makeTeam(db)
    const key = await makeKey(db, { teamId: team.id, scopes: JOBS })
    for (let i = 0; i < 4; i++) t.equal((await call(both(i), 'GET', '/api/jobs/', { key: key.key })).status, 200, 'cached on both')
    const revoke = await fetch(`${a}/admin/v1/keys/${key.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminKey}` } })
    const revokedAt = performance.now()
    t.equal(revoke.status, 200, 'revoked through A with the replicas\' shared admin key')
    let refusedAfter = Infinity
    while (performance.now() - revokedAt < 5000) {
      if ((await call(b, 'GET', '/api/jobs/', { key: key.key })).status === 401) {
        refusedAfter = performance.now() - revokedAt
        break
      }
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    t.ok(refusedAfter < 2000, `B refused it ${refusedAfter.toFixed(0)} ms after the revocation`)
  })
})
