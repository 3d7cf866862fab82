// Two gateway PROCESSES on one PostgreSQL and one Redis, both running the workers, behind nothing but their own
// ports: a request-rate limit is counted once, a budget cannot be overspent by creates split over both, a key
// revoked through one is refused by the other within 2 s, and the workers settle each job once.
import t from 'tap'
import { eventually } from '../../helpers/async.ts'
import { makeTeamWithKey } from '../../helpers/factories.ts'
import { client, countStatuses } from '../../helpers/http.ts'
import { assertBooks } from '../../helpers/ledger.ts'
import { startClipServer, startMoneySim } from '../../helpers/money-bed.ts'
import { sharedRedis, startReplicas } from '../../helpers/processes.ts'
import { databaseForTest } from '../../helpers/test-database.ts'

t.test('two replicas', async t => {
  const database = await databaseForTest(t)
  const db = database.db
  const redisUrl = await sharedRedis(t)
  const sim = await startMoneySim(t)
  const clip = await startClipServer(t)
  const { replicas, adminKey } = await startReplicas(t, {
    count: 2, databaseUrl: database.url, redisUrl, upstream: sim, env: { WORKER_INTERVAL_MS: '200' }
  })
  const [a, b] = replicas.map(r => r.url) as [string, string]
  const both = (i: number) => i % 2 === 0 ? a : b
  t.comment(`replicas ${a} and ${b}, Redis ${redisUrl}`)

  await t.test('a request-rate limit of 20/min is counted once, not per replica', async t => {
    // a fresh key names fresh Redis counters, so reruns against the same Redis never collide
    const { key } = await makeTeamWithKey(db)
    await db.apiKey.update({ where: { id: key.id }, data: { requestsPerMinute: 20 } })
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => client(both(i), key.key).get('/api/jobs/')))
    t.same(countStatuses(replies), { 200: 20, 429: 30 }, '20 allowed in total across both replicas')
    const perReplica = [0, 1].map(p => replies.filter((r, i) => i % 2 === p && r.status === 200).length)
    t.ok(perReplica.every(n => n > 0), `both replicas admitted some (${perReplica.join(' / ')})`)
  })

  await t.test('concurrent creates split over both cannot overspend a hard budget', async t => {
    const N = 8
    const cost = await sim.priceOf(clip.body())
    const { team, key } = await makeTeamWithKey(db, {
      budgetCredits: cost.times(N).toFixed(4), maxJobCost: cost.toFixed(4), urlPolicy: { httpsOnly: false }
    })
    const before = await sim.account()
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      client(both(i), key.key).post('/api/jobs/from-url/', { json: clip.body(i) })))
    t.same(countStatuses(replies), { 201: N, 402: 40 - N }, `exactly ${N} of 40 created`)
    t.equal((await sim.account()).jobs_created - before.jobs_created, N, 'TensorPix saw exactly those')
    const usage = await db.teamPeriodUsage.findFirstOrThrow({ where: { teamId: team.id } })
    t.equal(usage.charged.toFixed(4), cost.times(N).toFixed(4), 'charged the whole budget and not a credit more')
    await assertBooks(t, db) // nothing left held

    const created = replies.filter(r => r.status === 201).map(r => Number(r.body.id))
    for (const id of created) await sim.complete(id)
    let finished = 0
    await eventually(async () => {
      finished = await db.job.count({ where: { teamId: team.id, state: 'finished' } })
      return finished === N
    }, 30_000, 200)
    t.equal(finished, N, 'the two replicas\' status-sync workers recorded every finish, nobody asking')
    // and each moved its money once: usage rows equal the re-summed ledger, and TensorPix's account
    await assertBooks(t, db, { sim })
    const charges = await db.ledgerEntry.groupBy({ by: ['jobId'], where: { teamId: team.id, kind: 'charge' }, _count: true })
    t.ok(charges.length === N && charges.every(c => c._count === 1), 'one charge row per job')
  })

  await t.test('a key revoked through one replica is refused by the other within 2 s', async t => {
    const { key } = await makeTeamWithKey(db)
    for (let i = 0; i < 4; i++) {
      t.equal((await client(both(i), key.key).get('/api/jobs/')).status, 200, 'cached on both')
    }
    const revoke = await client(a, adminKey, 'Bearer').delete(`/admin/v1/keys/${key.id}`)
    const revokedAt = performance.now()
    t.equal(revoke.status, 200, 'revoked through A with the replicas\' shared admin key')
    let refusedAfter = Infinity
    while (performance.now() - revokedAt < 5000) {
      if ((await client(b, key.key).get('/api/jobs/')).status === 401) {
        refusedAfter = performance.now() - revokedAt
        break
      }
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    t.ok(refusedAfter < 2000, `B refused it ${refusedAfter.toFixed(0)} ms after the revocation`)
  })
})
