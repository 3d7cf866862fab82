// Network faults need real sockets, so these run over HTTP against startSimulator.
import t from 'tap'
import type { FaultRule } from '../../src/simulator/index.ts'
import { liveSimulator, sourceServer, TOKEN } from './helpers.ts'

type Live = Awaited<ReturnType<typeof liveSimulator>>
const headers = { authorization: `Token ${TOKEN}`, 'content-type': 'application/json' }

async function outcome (sim: Live, path: string, init: RequestInit = {}, timeoutMs = 2000): Promise<string> {
  try {
    const response = await fetch(`${sim.url}${path}`, { headers, signal: AbortSignal.timeout(timeoutMs), ...init })
    await response.arrayBuffer()
    return String(response.status)
  } catch (err) {
    return (err as Error).name === 'TimeoutError' ? 'timeout' : 'reset'
  }
}

async function state (sim: Live) {
  return await (await fetch(`${sim.url}/__sim/accounts/${TOKEN}`)).json() as { jobs_created: number, credits_charged: string, balance: string }
}

t.test('with a fixed seed a fault-injection run is reproducible', async t => {
  const src = await sourceServer(t)
  const faults: FaultRule[] = [
    { kind: 'error', route: 'POST /api/jobs/from-url/', probability: 0.2 },
    { kind: 'rate_limit', route: 'POST /api/jobs/from-url/', probability: 0.15, retryAfterSeconds: 2 },
    { kind: 'reset', route: 'POST /api/jobs/from-url/', probability: 0.1 },
    { kind: 'lost_response', route: 'POST /api/jobs/from-url/', probability: 0.15 },
    { kind: 'latency', route: '*', delayMs: { min: 0, max: 5 } }
  ]
  const body = JSON.stringify({ video_url: src.url('/clip.mp4'), ml_models: [34] })
  const run = async (seed: number) => {
    const sim = await liveSimulator(t, { seed, faults })
    const outcomes: string[] = []
    for (let i = 0; i < 30; i++) outcomes.push(await outcome(sim, '/api/jobs/from-url/', { method: 'POST', body }))
    const log = (await (await fetch(`${sim.url}/__sim/faults`)).json() as { log: unknown[] }).log
    return { outcomes, log, state: await state(sim) }
  }
  const first = await run(1234)
  const second = await run(1234)
  t.same(second.outcomes, first.outcomes, first.outcomes.join(' '))
  t.same(second.log, first.log)
  t.same(second.state, first.state)
  for (const expected of ['201', '503', '429', 'reset']) t.ok(first.outcomes.includes(expected), `the run includes ${expected}`)
  t.ok((first.state?.jobs_created ?? 0) > first.outcomes.filter(o => o === '201').length, 'lost responses still created jobs')
  t.notSame((await run(99)).outcomes, first.outcomes, 'another seed, another run')
})

t.test('created but response lost: the job exists and is charged', async t => {
  const src = await sourceServer(t)
  const sim = await liveSimulator(t, { faults: [{ kind: 'lost_response', route: 'POST /api/jobs/from-url/', times: 1 }] })
  const body = JSON.stringify({ video_url: src.url('/clip.mov'), ml_models: [34] })
  t.equal(await outcome(sim, '/api/jobs/from-url/', { method: 'POST', body }), 'reset')
  t.match(await state(sim), { jobs_created: 1, credits_charged: '0.0625', balance: '999.9375' })
  const list = await (await fetch(`${sim.url}/api/jobs/`, { headers })).json() as { count: number, results: Array<{ id: number }> }
  t.match(list, { count: 1, results: [{ id: 1001 }] }, 'visible to reconciliation')
  t.equal(await outcome(sim, '/api/jobs/from-url/', { method: 'POST', body }), '201', 'times: 1')
})

t.test('reset, hang, latency and error faults', async t => {
  const sim = await liveSimulator(t)
  const setFaults = (faults: FaultRule[]) => fetch(`${sim.url}/__sim/faults`, { method: 'PUT', headers, body: JSON.stringify({ faults }) })
  const balance = '/api/accounts/profile/balance/'

  await setFaults([{ kind: 'reset', route: `GET ${balance}` }])
  t.equal(await outcome(sim, balance), 'reset')
  t.equal(await state(sim).then(s => s?.jobs_created), 0)

  await setFaults([{ kind: 'hang', route: `GET ${balance}` }])
  t.equal(await outcome(sim, balance, {}, 300), 'timeout', 'hangs past the client timeout')
  await setFaults([{ kind: 'hang', route: `GET ${balance}`, delayMs: 50 }])
  t.equal(await outcome(sim, balance, {}, 2000), 'reset', 'a hang with delayMs closes the connection')

  await setFaults([{ kind: 'latency', route: `GET ${balance}`, delayMs: 150 }])
  const started = Date.now()
  t.equal(await outcome(sim, balance), '200')
  t.ok(Date.now() - started >= 140, 'delayed')

  await setFaults([{ kind: 'error', route: '* /api/jobs/:id/', status: 502 }])
  const bad = await fetch(`${sim.url}/api/jobs/1/`, { headers })
  t.equal(bad.status, 502)
  t.same(await bad.json(), { detail: 'Bad Gateway' })

  await setFaults([{ kind: 'rate_limit', times: 2, retryAfterSeconds: 3 }])
  const limited = await fetch(`${sim.url}${balance}`, { headers })
  t.equal(limited.status, 429)
  t.equal(limited.headers.get('retry-after'), '3')
  await limited.arrayBuffer()
  t.equal(await outcome(sim, balance), '429')
  t.equal(await outcome(sim, balance), '200', 'the burst is over')

  await setFaults([{ kind: 'redirect', times: 1 }, { kind: 'redirect', status: 308, location: 'https://elsewhere.test/x', times: 1 }])
  const moved = await fetch(`${sim.url}${balance}`, { headers, redirect: 'manual' })
  t.equal(moved.status, 302, 'a redirect is 302 unless told')
  t.equal(moved.headers.get('location'), `http://redirect.invalid${balance}`, 'to the same path on a name that never resolves')
  t.equal(await moved.text(), '')
  const told = await fetch(`${sim.url}${balance}`, { headers, redirect: 'manual' })
  t.same([told.status, told.headers.get('location')], [308, 'https://elsewhere.test/x'])
  await told.arrayBuffer()

  const cleared = await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' })
  t.match(await cleared.json(), { rules: [] })
  const invalid = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', headers, body: JSON.stringify({ kind: 'explode' }) })
  t.equal(invalid.status, 400)
  t.match(await invalid.json(), { detail: String })
})

t.test('committed, then answered with an error or an unreadable success: the job exists and is charged', async t => {
  const src = await sourceServer(t)
  const route = 'POST /api/jobs/from-url/'
  const sim = await liveSimulator(t, {
    faults: [
      { kind: 'commit_then_error', route, status: 500, times: 1 },
      { kind: 'commit_then_error', route, status: 502, html: true, skip: 1, times: 1 },
      { kind: 'malformed_success', route, body: 'truncated', skip: 2, times: 1 }
    ]
  })
  const post = () => fetch(`${sim.url}/api/jobs/from-url/`, {
    method: 'POST', headers, body: JSON.stringify({ video_url: src.url('/clip.mov'), ml_models: [34] })
  })
  const json500 = await post()
  t.equal(json500.status, 500)
  t.same(await json500.json(), { detail: 'A server error occurred.' }, "TensorPix's own 500")
  const html502 = await post()
  t.equal(html502.status, 502)
  t.match(html502.headers.get('content-type'), /^text\/html/, "a proxy's page")
  t.match(await html502.text(), /<h1>502 Bad Gateway<\/h1>/)
  const truncated = await post()
  t.equal(truncated.status, 201, 'the success status is kept')
  const text = await truncated.text()
  t.throws(() => JSON.parse(text) as unknown, 'but its JSON is cut off')
  t.match(await state(sim), { jobs_created: 3 }, 'every one of the three was created')
})

t.test('a DELETE that fails (5xx, 429, timeout) N times never reaches the route: the job is not cancelled', async t => {
  const src = await sourceServer(t)
  const route = 'DELETE /api/jobs/:id/'
  const sim = await liveSimulator(t, {
    faults: [
      { kind: 'error', route, status: 503, times: 2 },
      { kind: 'rate_limit', route, skip: 2, times: 1 },
      { kind: 'hang', route, skip: 3, times: 1, delayMs: 50 }
    ]
  })
  const created = await fetch(`${sim.url}/api/jobs/from-url/`, {
    method: 'POST', headers, body: JSON.stringify({ video_url: src.url('/clip.mov'), ml_models: [34] })
  })
  const { id } = await created.json() as { id: number }
  // no content type: an empty JSON body is a parse error before the route
  const remove = () => outcome(sim, `/api/jobs/${id}/`, { method: 'DELETE', headers: { authorization: headers.authorization } }, 1000)
  t.same([await remove(), await remove(), await remove(), await remove()], ['503', '503', '429', 'reset'])
  const job = await (await fetch(`${sim.url}/api/jobs/${id}/`, { headers })).json() as { status: number, cost_usd: string }
  t.match(job, { status: 0, cost_usd: '0.0625' }, 'still queued, nothing refunded')
  t.match(await state(sim), { balance: '999.9375' })
  t.equal(await remove(), '204', 'the fifth attempt cancels it')
  t.match(await state(sim), { balance: '1000.0000' })
})

t.test('a 404 for a job that exists: DRF\'s "Not found.", for that job only', async t => {
  const src = await sourceServer(t)
  const sim = await liveSimulator(t)
  const post = async () => (await (await fetch(`${sim.url}/api/jobs/from-url/`, {
    method: 'POST', headers, body: JSON.stringify({ video_url: src.url('/clip.mov'), ml_models: [34] })
  })).json() as { id: number }).id
  const [first, second] = [await post(), await post()]
  await fetch(`${sim.url}/__sim/faults`, { method: 'POST', headers, body: JSON.stringify({ kind: 'error', status: 404, route: `GET /api/jobs/${first}/` }) })
  const missing = await fetch(`${sim.url}/api/jobs/${first}/`, { headers })
  t.equal(missing.status, 404)
  t.same(await missing.json(), { detail: 'Not found.' }, 'the text of the simulator\'s own 404')
  t.equal((await fetch(`${sim.url}/api/jobs/${second}/`, { headers })).status, 200)
  const listed = await (await fetch(`${sim.url}/api/jobs/`, { headers })).json() as { count: number }
  t.equal(listed.count, 2, 'the list still has it')
})
