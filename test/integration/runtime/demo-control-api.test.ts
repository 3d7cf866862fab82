// Demo mode hides the simulator's control API (issue 20, item 4): `npm start` without TENSORPIX_TOKEN runs the
// simulator on a loopback port that every media link of the demo names, and /__sim/ answers there without a token.
// It is off unless DEMO_SIMULATOR_CONTROL=true, and even then no control answer shows the master token.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { client } from '../../helpers/http.ts'
import { spawnGateway, type GatewayProcess } from '../../helpers/processes.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'
import { multipartBody } from '../../helpers/video-server.ts'

const SAMPLE = new URL('../../../src/runtime/media/sample.mp4', import.meta.url)

interface Demo { gateway: GatewayProcess, dataDir: string, key: string }

async function startDemo (t: Test, env: Record<string, string> = {}): Promise<Demo> {
  const database = await createTestDatabase()
  t.teardown(database.drop)
  const dataDir = await mkdtemp(path.join(tmpdir(), 'demo-control-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const gateway = await spawnGateway(t, { DATABASE_URL: database.url, DATA_DIR: dataDir, WORKERS: 'false', ...env })
  const key = gateway.output.join('\n').match(/Authorization: Token (tgw_\S+)'/)?.[1]
  if (!key) throw new Error(`no demo key printed:\n${gateway.output.join('\n')}`)
  return { gateway, dataDir, key }
}

/** The simulator's origin as a client of the demo learns it: from an uploaded video's presigned link. */
async function simulatorOrigin (demo: Demo): Promise<string> {
  const api = client(demo.gateway.url, demo.key)
  const upload = multipartBody({}, [{ field: 'file', filename: 'clip.mp4', type: 'video/mp4', content: await readFile(SAMPLE) }])
  const created = await api.post('/api/videos/', { multipart: upload })
  if (created.status !== 201) throw new Error(`upload: ${created.status} ${created.text}`)
  for (let attempt = 0; attempt < 50; attempt++) {
    const video = await api.get(`/api/videos/${String(created.body.id)}/`)
    if (typeof video.body.file === 'string') return new URL(video.body.file).origin
    await sleep(100)
  }
  throw new Error('the uploaded video never got a file link')
}

const masterToken = async (demo: Demo) => (await readFile(path.join(demo.dataDir, 'demo-tensorpix', 'token'), 'utf8')).trim()

const PROBES = (token: string): Array<{ method: string, path: string, body?: unknown }> => [
  { method: 'GET', path: '/__sim/state' },
  { method: 'POST', path: '/__sim/reset', body: {} },
  { method: 'GET', path: '/__sim/faults' },
  { method: 'POST', path: '/__sim/faults', body: { kind: 'error', status: 500 } },
  { method: 'GET', path: '/__sim/behaviour' },
  { method: 'POST', path: '/__sim/jobs/drain' },
  { method: 'GET', path: `/__sim/accounts/${token}` },
  { method: 'PATCH', path: `/__sim/accounts/${token}`, body: { balance: '999999' } }
]

/** Calls every control route on the simulator a client of the demo is shown; each must answer `status`, tokenless. */
async function probeControlApi (t: Test, demo: Demo, status: number) {
  const origin = await simulatorOrigin(demo)
  const token = await masterToken(demo)
  for (const { method, path, body } of PROBES(token)) {
    const res = await fetch(`${origin}${path}`, {
      method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
    })
    t.equal(res.status, status, `${method} ${path.replace(token, '{token}')}`)
    t.notOk((await res.text()).includes(token), 'the answer does not carry the master token')
  }
}

t.test('npm start in demo mode: /__sim/ is not served on the simulator clients are shown', async t => {
  const demo = await startDemo(t)
  await probeControlApi(t, demo, 404)
  const balance = await client(demo.gateway.url, demo.key).get('/api/accounts/profile/balance/')
  t.equal(balance.status, 200, 'the demo still works')
})

t.test('DEMO_SIMULATOR_CONTROL=true serves it, and no answer shows the master token', async t => {
  const demo = await startDemo(t, { DEMO_SIMULATOR_CONTROL: 'true' })
  t.ok(demo.gateway.output.some(line => line.includes('simulator control API is on')), 'the start says so')
  await probeControlApi(t, demo, 200)
})
