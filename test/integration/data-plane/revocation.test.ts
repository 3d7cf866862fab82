// Two gateway processes on one database: a key revoked through one is refused by the other within 2 seconds, even
// though both had it cached (LISTEN/NOTIFY invalidation, not the cache TTL).
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDb } from '../../../src/db/client.ts'
import { client } from '../../helpers/data-plane.ts'
import { makeKey, makeTeam } from '../../helpers/factories.ts'
import { startTestSimulator } from '../../helpers/simulator.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

interface Gateway { origin: string, child: ChildProcess, output: string[] }

function spawnGateway (env: Record<string, string>, port: number): Gateway {
  const output: string[] = []
  const child = spawn(process.execPath, ['bin/tpx-gateway.js', 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child.stdout?.on('data', chunk => output.push(String(chunk)))
  child.stderr?.on('data', chunk => output.push(String(chunk)))
  return { origin: `http://127.0.0.1:${port}`, child, output }
}

async function stop (gateway: Gateway) {
  const { child } = gateway
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)])
  if (!killed) {
    child.kill('SIGKILL')
    await exited
  }
}

async function healthy (gateway: Gateway, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (gateway.child.exitCode !== null) throw new Error(`gateway exited early:\n${gateway.output.join('')}`)
    const ok = await fetch(`${gateway.origin}/healthz`).then(res => res.ok, () => false)
    if (ok) return
    await sleep(100)
  }
  throw new Error(`gateway not healthy in time:\n${gateway.output.join('')}`)
}

t.test('a key revoked through one replica is refused by the other within 2 s', async t => {
  const sim = await startTestSimulator(t)
  const database = await createTestDatabase()
  t.teardown(database.drop)
  const db = createDb({ url: database.url })
  t.teardown(() => db.$disconnect())

  const team = await makeTeam(db, { urlPolicy: { httpsOnly: false } })
  const jobsKey = await makeKey(db, { teamId: team.id, scopes: ['jobs:read', 'jobs:write'] })
  const bystander = await makeKey(db, { teamId: team.id, scopes: ['jobs:read'] })
  const admin = await makeKey(db, { scopes: ['admin'] })

  const env = {
    DATABASE_URL: database.url,
    TENSORPIX_BASE_URL: sim.url,
    TENSORPIX_TOKEN: sim.token,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    WORKERS: 'false'
  }
  const [portA, portB] = [await freePort(), await freePort()]
  const a = spawnGateway(env, portA)
  const b = spawnGateway(env, portB)
  t.teardown(() => Promise.all([stop(a), stop(b)]))
  await Promise.all([healthy(a), healthy(b)])

  const onA = client(a.origin, jobsKey.key)
  const onB = client(b.origin, jobsKey.key)
  // warm: verified (and cached) on both replicas
  for (let i = 0; i < 3; i++) {
    t.equal((await onA.get('/api/jobs/')).status, 200, 'A accepts the key')
    t.equal((await onB.get('/api/jobs/')).status, 200, 'B accepts the key')
  }

  const revoked = await fetch(`${a.origin}/admin/v1/keys/${jobsKey.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin.key}` } })
  const revokedAt = performance.now()
  t.equal(revoked.status, 200, `revoked through A: ${await revoked.text()}`)
  t.equal((await onA.get('/api/jobs/')).status, 401, 'A refuses it at once')

  let refusedAfter = Infinity
  let last = 0
  while (performance.now() - revokedAt < 5000) {
    const res = await onB.get('/api/jobs/')
    last = res.status
    if (res.status === 401) {
      refusedAfter = performance.now() - revokedAt
      t.same({ ...res.body, request_id: undefined }, { detail: 'Invalid token.', request_id: undefined }, 'the usual 401 body')
      break
    }
    t.equal(res.status, 200, 'until then B still answers normally')
    await sleep(20)
  }
  t.equal(last, 401, 'B refuses the revoked key')
  t.ok(refusedAfter < 2000, `B refused it ${refusedAfter.toFixed(0)} ms after the revocation (< 2000 ms)`)

  // the revocation is the key's alone
  t.equal((await client(b.origin, bystander.key).get('/api/jobs/')).status, 200, 'another key of the team still works on B')
  t.equal((await client(a.origin, bystander.key).get('/api/jobs/')).status, 200, 'and on A')
  t.equal((await onB.post('/api/jobs/from-url/', { json: { video_url: 'http://127.0.0.1:9/x.mp4', ml_models: [34] } })).status, 401, 'B refuses writes too')
})
