// stateFile: a simulator restarted on the same file is the same TensorPix: same accounts, jobs, videos and bytes,
// and ids that go on where they stopped.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { buildSimulator, type SimApp } from '../../src/simulator/index.ts'
import { auth, fixture, multipartFile, OTHER_TOKEN, sourceServer, TOKEN } from './helpers.ts'

async function stateDir (t: Test) {
  const dir = await mkdtemp(path.join(tmpdir(), 'sim-state-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const start = (stateFile: string, tokens = [TOKEN, OTHER_TOKEN]) =>
  buildSimulator({ tokens, controlApi: true, stateFile })
const json = async (app: SimApp, url: string, token = TOKEN) => {
  const res = await app.inject({ url, headers: auth(token) })
  return { status: res.statusCode, body: res.json() }
}
const post = async (app: SimApp, url: string, payload: object) =>
  app.inject({ method: 'POST', url, headers: auth(), payload })
/** a job answer without its links, which are signed afresh on every GET */
const unsigned = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replace(/\?X-Amz-[^"]*/g, ''))

t.test('a simulator restarted on its state file has everything it had, and goes on numbering', async t => {
  const file = path.join(await stateDir(t), 'nested', 'state.json')
  const src = await sourceServer(t)
  const mp4 = fixture('clip-320x180-24fps-48f.mp4')
  const first = await start(file)
  const upload = multipartFile('file', 'clip.mp4', 'video/mp4', mp4)
  await first.inject({ method: 'POST', url: '/api/videos/', headers: { ...auth(), ...upload.headers }, payload: upload.payload })
  await post(first, '/__sim/clock/advance', { ms: 1000 })
  t.equal((await post(first, '/api/jobs/', { input_video: 5001, ml_models: [34] })).statusCode, 201)
  t.equal((await post(first, '/api/jobs/from-url/', { video_url: src.url('/clip.mov'), ml_models: [34] })).statusCode, 201)
  await post(first, '/__sim/jobs/1001/complete', {})
  await post(first, '/__sim/jobs/1002/advance', {})
  await first.inject({ method: 'DELETE', url: '/api/jobs/1002/', headers: auth() })
  const before = {
    state: (await json(first, '/__sim/state')).body,
    jobs: unsigned((await json(first, '/api/jobs/')).body),
    videos: unsigned((await json(first, '/api/videos/')).body)
  }
  await first.close()
  t.equal((await stat(file)).mode & 0o777, 0o600, 'the file holds tokens: owner only')
  t.same(await readdir(path.dirname(file)), ['state.json'], 'no temporary file left behind')

  const second = await start(file)
  t.teardown(() => second.close())
  t.same((await json(second, '/__sim/state')).body, before.state, 'accounts, money and counts as they were')
  t.same(unsigned((await json(second, '/api/jobs/')).body), before.jobs, 'the jobs, their outputs and inputs')
  t.same(unsigned((await json(second, '/api/videos/')).body), before.videos)
  const video = (await json(second, '/api/videos/5001/')).body
  const bytes = await second.inject({ url: video.file.replace(/^http:\/\/[^/]+/, '') })
  t.equal(bytes.statusCode, 200)
  t.same(bytes.rawPayload, mp4, 'the uploaded bytes, served again')
  const created = await post(second, '/api/jobs/from-url/', { video_url: src.url('/clip.mov'), ml_models: [34] })
  t.match(created.json(), { id: 1003, input_video: 5003 }, 'ids go on, no 1001 twice')
  t.equal((await json(second, '/api/jobs/1001/')).body.output_video.id, 9001)
})

t.test('saved shortly after a request, without a close; only the configured tokens come back', async t => {
  const file = path.join(await stateDir(t), 'state.json')
  const src = await sourceServer(t)
  const first = await start(file)
  t.teardown(() => first.close())
  await post(first, '/api/jobs/from-url/', { video_url: src.url('/clip.mov'), ml_models: [34] })
  await new Promise(resolve => setTimeout(resolve, 400))
  const saved = JSON.parse(await readFile(file, 'utf8')) as { jobs: Array<{ id: number }> }
  t.same(saved.jobs.map(job => job.id), [1001], 'a crash now would keep the job')

  const second = await start(file, [TOKEN, 'token-c'])
  t.teardown(() => second.close())
  t.equal((await json(second, '/api/jobs/1001/')).status, 200)
  t.equal((await json(second, '/api/jobs/', OTHER_TOKEN)).status, 401, 'a token no longer configured is gone')
  const accounts = (await json(second, '/__sim/state')).body.accounts
  t.same(Object.keys(accounts), ['1', '2'], 'by user id')
  t.match(accounts['2'], { user_id: 2, balance: '1000.0000', jobs_created: 0 }, 'a new token gets a fresh account, the next user id')
  t.match((await json(second, '/__sim/accounts/token-c')).body, { user_id: 2 })
})

t.test('a state file from another format stops the start instead of being overwritten', async t => {
  const file = path.join(await stateDir(t), 'state.json')
  await writeFile(file, JSON.stringify({ format: 99 }))
  await t.rejects(start(file), /unknown format 99/)
})
