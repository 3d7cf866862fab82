import t from 'tap'
import { createFaultEngine, type FaultRequest } from '../../src/simulator/faults.ts'
import { seededRandom } from '../../src/simulator/prng.ts'
import { createRateLimiter } from '../../src/simulator/rate-limit.ts'

const req = (method: string, routeUrl: string, path = routeUrl, token: string | null = 'a'): FaultRequest => ({ method, routeUrl, path, token })
const create = req('POST', '/api/jobs/from-url/')
const get = req('GET', '/api/jobs/:id/', '/api/jobs/1001/')

t.test('seeded streams are reproducible and independent', async t => {
  const draw = (seed: number, stream: string) =>
    Array.from({ length: 5 }, (r => () => r.next())(seededRandom(seed, stream)))
  t.same(draw(7, 'faults'), draw(7, 'faults'))
  t.not(draw(7, 'faults')[0], draw(8, 'faults')[0])
  t.not(draw(7, 'faults')[0], draw(7, 'outcomes')[0])
  t.ok(draw(7, 'x').every(n => n >= 0 && n < 1))
})

t.test('route matching: pattern, concrete path, method wildcard, token', async t => {
  const engine = createFaultEngine(1, [
    { kind: 'error', route: 'POST /api/jobs/from-url/', status: 500 },
    { kind: 'reset', route: 'GET /api/jobs/1001/' },
    { kind: 'rate_limit', route: '* /api/videos/:id/', token: 'b' }
  ])
  t.same(engine.plan(create).terminal, { kind: 'error', status: 500, detail: 'A server error occurred.' })
  t.same(engine.plan(get).terminal, { kind: 'reset' })
  t.equal(engine.plan(req('GET', '/api/jobs/:id/', '/api/jobs/1002/')).terminal, null)
  t.equal(engine.plan(req('DELETE', '/api/videos/:id/', '/api/videos/1/', 'a')).terminal, null)
  t.match(engine.plan(req('DELETE', '/api/videos/:id/', '/api/videos/1/', 'b')).terminal, { kind: 'rate_limit', retryAfterSeconds: 1 })
})

t.test('skip and times make bursts', async t => {
  const engine = createFaultEngine(1, [{ kind: 'rate_limit', skip: 2, times: 3, retryAfterSeconds: 4 }])
  const kinds = Array.from({ length: 7 }, () => engine.plan(create).terminal?.kind ?? 'ok')
  t.same(kinds, ['ok', 'ok', 'rate_limit', 'rate_limit', 'rate_limit', 'ok', 'ok'])
  t.match(engine.describe(), { requests: 7, rules: [{ matched: 7, fired: 3 }] })
  t.equal(engine.describe().log.length, 3)
})

t.test('latency adds up; the first terminal rule wins', async t => {
  const engine = createFaultEngine(1, [
    { kind: 'latency', delayMs: 100 },
    { kind: 'latency', delayMs: { min: 10, max: 20 } },
    { kind: 'error' },
    { kind: 'reset' }
  ])
  const plan = engine.plan(create)
  t.ok(plan.delayMs >= 110 && plan.delayMs <= 120)
  t.match(plan.terminal, { kind: 'error', status: 503 })
})

t.test('exponential delays are capped; hang can close after a delay', async t => {
  const engine = createFaultEngine(3, [{ kind: 'latency', delayMs: { mean: 50 } }])
  const delays = Array.from({ length: 200 }, () => engine.plan(create).delayMs)
  t.ok(delays.every(d => d >= 0 && d <= 500))
  t.ok(Math.abs(delays.reduce((a, b) => a + b, 0) / delays.length - 50) < 15, 'mean near 50')
  t.same(createFaultEngine(1, [{ kind: 'hang', delayMs: 250 }]).plan(create).terminal, { kind: 'hang', closeAfterMs: 250 })
  t.same(createFaultEngine(1, [{ kind: 'hang' }]).plan(create).terminal, { kind: 'hang', closeAfterMs: null })
})

t.test('probabilistic faults repeat exactly for a seed', async t => {
  const run = (seed: number) => {
    const engine = createFaultEngine(seed, [{ kind: 'error', probability: 0.3 }, { kind: 'reset', probability: 0.2 }])
    return Array.from({ length: 40 }, () => engine.plan(create).terminal?.kind ?? 'ok').join(',')
  }
  t.equal(run(42), run(42))
  t.not(run(42), run(43))
  t.match(run(42), /error/)
  t.match(run(42), /reset/)
})

t.test('reset restarts the stream and clears the rules', async t => {
  const engine = createFaultEngine(5, [{ kind: 'error', probability: 0.5 }])
  const first = Array.from({ length: 10 }, () => engine.plan(create).terminal?.kind ?? 'ok')
  engine.reset(5)
  t.same(engine.describe(), { rules: [], requests: 0, log: [] })
  engine.set([{ kind: 'error', probability: 0.5 }])
  t.same(Array.from({ length: 10 }, () => engine.plan(create).terminal?.kind ?? 'ok'), first)
})

t.test('rate limiter: fixed one-minute windows per key', async t => {
  const limiter = createRateLimiter(2)
  t.same(limiter.hit('a', 0), { allowed: true })
  t.same(limiter.hit('a', 1000), { allowed: true })
  t.same(limiter.hit('a', 1500), { allowed: false, retryAfterSeconds: 59 })
  t.same(limiter.hit('b', 1500), { allowed: true }, 'per key')
  t.same(limiter.hit('a', 59_999), { allowed: false, retryAfterSeconds: 1 })
  t.same(limiter.hit('a', 60_000), { allowed: true })
  limiter.reset()
  t.same(createRateLimiter(0).hit('a', 0), { allowed: true }, '0 means unlimited')
})
