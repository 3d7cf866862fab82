import t from 'tap'
import { FairScheduler, SchedulerSaturated } from '../../../src/upstream/fair-scheduler.ts'

function gate () {
  let open!: () => void
  const opened = new Promise<void>(resolve => { open = resolve })
  return { open, opened }
}

t.test('a burst from one team does not starve another', async t => {
  const scheduler = new FairScheduler({ maxConcurrent: 1, perSecond: 0, maxWaitMs: 5000 })
  const started: string[] = []
  const first = gate()
  const runs = [scheduler.run('a', async () => { started.push('a0'); await first.opened })]
  for (let i = 1; i <= 5; i++) runs.push(scheduler.run('a', async () => { started.push(`a${i}`) }))
  runs.push(scheduler.run('b', async () => { started.push('b0') }))
  first.open()
  await Promise.all(runs)
  t.equal(started.indexOf('b0'), 1, 'b, charged nothing yet, runs right after the call that was running')
  t.equal(started.length, 7)
})

t.test('never more than maxConcurrent at once', async t => {
  const scheduler = new FairScheduler({ maxConcurrent: 3, perSecond: 0, maxWaitMs: 5000 })
  let running = 0
  let peak = 0
  await Promise.all(Array.from({ length: 20 }, (_, i) => scheduler.run(`team${i % 4}`, async () => {
    peak = Math.max(peak, ++running)
    await new Promise(resolve => setTimeout(resolve, 2))
    running--
  })))
  t.equal(peak, 3)
})

t.test('a call that cannot start in time is refused, and others proceed', async t => {
  const scheduler = new FairScheduler({ maxConcurrent: 1, perSecond: 0, maxWaitMs: 30 })
  const blocker = gate()
  const running = scheduler.run('a', () => blocker.opened)
  await t.rejects(scheduler.run('b', async () => 'late'), SchedulerSaturated)
  t.equal(scheduler.queued, 0, 'the refused call left the queue')
  blocker.open()
  await running
  t.equal(await scheduler.run('b', async () => 'ok'), 'ok')
})

t.test('calls per second are capped', async t => {
  let now = 0
  const scheduler = new FairScheduler({ maxConcurrent: 10, perSecond: 2, maxWaitMs: 5000, now: () => now })
  const started: number[] = []
  const runs = Array.from({ length: 4 }, () => scheduler.run('a', async () => { started.push(now) }))
  await new Promise(resolve => setImmediate(resolve))
  t.equal(started.length, 2, 'a full bucket lets two start')
  now = 1000
  await Promise.all(runs)
  t.equal(started.length, 4, 'a second later the rest start')
})

const tick = () => new Promise(resolve => setImmediate(resolve))

function clocked () {
  const clock = { now: 0 }
  const scheduler = new FairScheduler({ maxConcurrent: 10, perSecond: 0, maxWaitMs: 60_000, now: () => clock.now })
  return { clock, scheduler }
}

t.test('every call is charged to the team that makes it, for a minute', async t => {
  const { clock, scheduler } = clocked()
  await Promise.all(Array.from({ length: 5 }, () => scheduler.run('a', async () => {})))
  await scheduler.run('b', async () => {})
  t.equal(scheduler.chargedTo('a'), 5)
  t.equal(scheduler.chargedTo('b'), 1)
  clock.now = 60_001
  t.equal(scheduler.chargedTo('a'), 0, 'a minute later the charges are gone')
})

t.test('a 429 pauses the team that made the most calls, whoever got it, and the others carry on', async t => {
  const { clock, scheduler } = clocked()
  await Promise.all(Array.from({ length: 5 }, () => scheduler.run('a', async () => {})))
  const admission = await scheduler.run('b', async admission => admission)
  scheduler.throttled(admission, 1000)
  let heavyRan = false
  const heavy = scheduler.run('a', async () => { heavyRan = true })
  t.equal(await scheduler.run('b', async () => 'ok'), 'ok', 'b is not held')
  await tick()
  t.notOk(heavyRan, 'a is held')
  clock.now = 1001
  await heavy
  t.ok(heavyRan, 'a runs after the Retry-After')
})

t.test('a 429 to a call started while the heaviest team was paused pauses everyone', async t => {
  const { clock, scheduler } = clocked()
  const first = await scheduler.run('a', async admission => admission)
  await scheduler.run('a', async () => {})
  scheduler.throttled(first, 1000)
  clock.now = 10
  const later = await scheduler.run('b', async admission => admission)
  scheduler.throttled(later, 1000)
  let ran = false
  const held = scheduler.run('b', async () => { ran = true })
  await tick()
  t.notOk(ran, 'b is held too: the throttling is not a\'s alone')
  clock.now = 1011
  await held
  t.ok(ran)
})

t.test('a 429 to a call that was under way before the pause pauses only the heaviest team', async t => {
  const { scheduler } = clocked()
  const gateOpen = gate()
  const inFlight = scheduler.run('b', async admission => { await gateOpen.opened; return admission })
  await Promise.all(Array.from({ length: 3 }, () => scheduler.run('a', async () => {})))
  scheduler.throttled({ team: 'a', order: 2 }, 1000)
  gateOpen.open()
  scheduler.throttled(await inFlight, 1000)
  t.equal(await scheduler.run('b', async () => 'ok'), 'ok', 'b was sent before a was held: no reason to hold b')
})

t.test('a paused team\'s calls that cannot wait out the pause are refused with its Retry-After', async t => {
  const scheduler = new FairScheduler({ maxConcurrent: 10, perSecond: 0, maxWaitMs: 30 })
  const admission = await scheduler.run('a', async admission => admission)
  scheduler.throttled(admission, 5000)
  const refused = await scheduler.run('a', async () => 'late').catch((err: unknown) => err)
  t.ok(refused instanceof SchedulerSaturated)
  t.equal((refused as SchedulerSaturated).retryAfterS, 5)
  t.equal(await scheduler.run('b', async () => 'ok'), 'ok')
})
