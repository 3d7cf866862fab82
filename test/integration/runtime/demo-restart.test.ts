// Demo mode survives a restart (issue 15, item 10): `npm start` without TENSORPIX_TOKEN keeps the simulator's token
// and state under DATA_DIR next to the database, so after a SIGTERM and a start on the same DATA_DIR the jobs the
// database remembers still exist upstream, and the next create gets a new upstream id instead of a 500.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { client } from '../../helpers/http.ts'
import { spawnGateway, type GatewayProcess } from '../../helpers/processes.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'

/** The key and body of the last curl the welcome message printed (the key only on the first start). */
function printedCurl (gateway: GatewayProcess): { key: string | undefined, body: unknown } {
  const curl = gateway.output.filter(line => line.includes('curl -sS -X POST')).at(-1)
  if (!curl) throw new Error(`no curl printed:\n${gateway.output.join('\n')}`)
  const key = curl.match(/Authorization: Token (tgw_\S+)'/)?.[1]
  const body = curl.match(/-d '(\{.*\})'/)?.[1]
  if (!body) throw new Error(`no body in ${curl}`)
  return { key, body: JSON.parse(body) as unknown }
}

t.test('a demo gateway restarted on the same DATA_DIR still has its jobs upstream and creates new ones', async t => {
  const database = await createTestDatabase()
  t.teardown(database.drop)
  const dataDir = await mkdtemp(path.join(tmpdir(), 'demo-restart-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const gateway = await spawnGateway(t, { DATABASE_URL: database.url, DATA_DIR: dataDir, WORKERS: 'false' })

  const first = printedCurl(gateway)
  t.ok(first.key, 'the first start prints the demo key')
  const api = client(gateway.url, first.key as string)
  const created = await api.post('/api/jobs/from-url/', { json: first.body })
  t.equal(created.status, 201, JSON.stringify(created.body))
  const firstId = Number(created.body.id)
  const before = await api.get(`/api/jobs/${firstId}/`)
  t.equal(before.status, 200)

  await gateway.kill('SIGTERM')
  gateway.output.length = 0
  await gateway.restart()

  const again = printedCurl(gateway)
  t.equal(again.key, undefined, 'the key is not printed twice; the one printed first still works')
  const second = await api.post('/api/jobs/from-url/', { json: again.body })
  t.equal(second.status, 201, JSON.stringify(second.body))
  t.not(Number(second.body.id), firstId)
  const old = await api.get(`/api/jobs/${firstId}/`)
  t.equal(old.status, 200, JSON.stringify(old.body))
  t.equal(old.body.started, before.body.started, 'the same job, not a new one that took its upstream id')
  t.same(old.body.input_video, before.body.input_video, 'with the same input')
})
