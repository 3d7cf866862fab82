// Acceptance "No overspend": two gateway processes on one database, one simulator, a hard budget that covers exactly
// N jobs (the hold equals the charge), 200 concurrent creates split across both processes.
import t from 'tap'
import { Decimal } from 'decimal.js'
import { makeTeamWithKey } from '../../helpers/factories.ts'
import { client, countStatuses } from '../../helpers/http.ts'
import { assertBooks } from '../../helpers/ledger.ts'
import { startClipServer, startMoneySim } from '../../helpers/money-bed.ts'
import { spawnGateway } from '../../helpers/processes.ts'
import { databaseForTest } from '../../helpers/test-database.ts'

const N = 37
const CREATES = 200

t.test('200 concurrent creates across two processes against a budget of exactly N jobs', async t => {
  const { url, db } = await databaseForTest(t)
  const sim = await startMoneySim(t)
  const clip = await startClipServer(t)

  const cost = await sim.priceOf(clip.body())
  t.ok(cost.gt(0), `the simulator prices the clip at ${cost.toFixed(4)}`)
  const { team, key } = await makeTeamWithKey(db, {
    budgetCredits: cost.times(N).toFixed(4),
    maxJobCost: cost.toFixed(4),
    budgetMode: 'hard',
    urlPolicy: { httpsOnly: false }
  })

  const env = { DATABASE_URL: url, TENSORPIX_BASE_URL: sim.url, TENSORPIX_TOKEN: sim.token }
  const gateways = await Promise.all([spawnGateway(t, env), spawnGateway(t, env)])
  const before = await sim.account()

  const started = Date.now()
  const replies = await Promise.all(Array.from({ length: CREATES }, (_, i) =>
    client((gateways[i % 2] as { url: string }).url, key.key).post('/api/jobs/from-url/', { json: clip.body(i) })))
  t.comment(`${CREATES} creates in ${Date.now() - started} ms`)

  t.same(countStatuses(replies), { 201: N, 402: CREATES - N }, `exactly ${N} got 201 and the rest 402`)
  const perProcess = [0, 1].map(p => replies.filter((r, i) => i % 2 === p && r.status === 201).length)
  t.comment(`201s per process: ${perProcess.join(' / ')}`)

  const refused = replies.find(r => r.status === 402)
  t.match(refused?.body.detail, /Budget exhausted: 0\.0000 credits remaining, this job holds \d+\.\d{4}/, '402 names remaining credits and the estimate')
  const created = replies.filter(r => r.status === 201)
  t.ok(created.every(r => new Decimal(String(r.body.cost_usd)).equals(cost)), 'each created job costs what the simulator priced')

  const after = await sim.account()
  t.equal(after.jobs_created - before.jobs_created, N, `the simulator created exactly ${N} jobs`)

  const usage = await db.teamPeriodUsage.findMany({ where: { teamId: team.id } })
  const charged = usage.reduce((acc, u) => acc.plus(u.charged.toString()), new Decimal(0))
  t.ok(charged.equals(new Decimal(after.credits_charged).minus(before.credits_charged)),
    `team charged ${charged.toFixed(4)} equals the simulator's charged credits ${after.credits_charged}`)
  t.ok(charged.equals(cost.times(N)), 'and equals N × cost: the whole budget, not a credit more')
  t.equal(await db.job.count({ where: { teamId: team.id, upstreamId: { not: null } } }), N, 'N gateway jobs carry an upstream id')
  t.equal(await db.job.count({ where: { teamId: team.id, state: { in: ['pending', 'unknown'] } } }), 0, 'no create is left pending or unknown')
  await assertBooks(t, db, { sim })
})
