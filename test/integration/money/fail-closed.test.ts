// Fail closed on money: with the database unreachable, creates answer 503 with Retry-After and nothing is forwarded
// to TensorPix; /readyz says not ready; when the database is back, creates work again and the books are whole.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { createDb } from '../../../src/db/client.ts'
import { makeTeamWithKey } from '../../helpers/factories.ts'
import { client } from '../../helpers/http.ts'
import { assertBooks } from '../../helpers/ledger.ts'
import { startClipServer, startMoneySim } from '../../helpers/money-bed.ts'
import { spawnGateway } from '../../helpers/processes.ts'
import { startTcpProxy } from '../../helpers/tcp-proxy.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'

const ROUTE = 'POST /api/jobs/from-url/'

t.test('database unreachable: creates answer 503 + Retry-After, nothing reaches TensorPix, /readyz is 503', async t => {
  const database = await createTestDatabase()
  t.teardown(database.drop)
  const direct = new URL(database.url)
  const proxy = await startTcpProxy(t, { host: direct.hostname, port: Number(direct.port || 5432) })
  const proxied = new URL(database.url)
  proxied.port = String(proxy.port)

  const sim = await startMoneySim(t)
  const clip = await startClipServer(t)
  // a rule that never delays but counts every create that reaches the simulator (its `matched`)
  await sim.fault({ kind: 'latency', route: ROUTE, delayMs: 0 })
  const forwarded = async () => (await sim.control<{ rules: Array<{ matched: number }> }>('GET', '/faults')).rules[0]?.matched ?? -1

  const db = createDb({ url: database.url })
  t.teardown(() => db.$disconnect())
  const cost = await sim.priceOf(clip.body())
  const { team, key } = await makeTeamWithKey(db, { maxJobCost: cost.toFixed(4), urlPolicy: { httpsOnly: false } })

  const gateway = await spawnGateway(t, {
    DATABASE_URL: proxied.toString(), TENSORPIX_BASE_URL: sim.url, TENSORPIX_TOKEN: sim.token, WORKERS: 'false'
  })
  const api = client(gateway.url, key.key)
  const health = client(gateway.url, null)
  const create = () => api.post('/api/jobs/from-url/', { json: clip.body() })
  t.equal((await create()).status, 201, 'with the database up, a create succeeds (and the key is cached)')
  t.equal((await health.get('/readyz')).status, 200, 'ready')

  await proxy.stop()
  const jobsBefore = (await sim.account()).jobs_created
  const forwardedBefore = await forwarded()
  const answers = []
  for (let i = 0; i < 5; i++) answers.push(await create())
  t.same(answers.map(a => a.status), [503, 503, 503, 503, 503], 'every create answers 503')
  t.ok(answers.every(a => Number(a.headers.get('retry-after')) > 0), 'with Retry-After')
  t.ok(answers.every(a => typeof a.body.detail === 'string'), 'in TensorPix\'s {detail} shape')
  t.equal((await sim.account()).jobs_created, jobsBefore, 'the simulator created nothing')
  t.equal(await forwarded(), forwardedBefore, 'no create reached the simulator at all')
  const ready = await health.get('/readyz')
  t.equal(ready.status, 503, '/readyz answers 503')
  t.equal((await health.get('/healthz')).status, 200, '/healthz still answers 200 (the process is alive)')

  await proxy.start()
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline && (await health.get('/readyz')).status !== 200) await sleep(200)
  t.equal((await health.get('/readyz')).status, 200, 'ready again once the database is back')
  t.equal((await create()).status, 201, 'and creates work again')
  t.equal(await db.job.count({ where: { teamId: team.id } }), 2, 'the outage left no job rows')
  // the outage moved no money at TensorPix either: the ledger still equals the master account
  await assertBooks(t, db, { sim })
})
