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
  t.equal(started.indexOf('b0'), 2, 'b runs right after the call that was running and the next of a')
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

t.test('a pause after upstream 429 holds every call back', async t => {
  let now = 0
  const scheduler = new FairScheduler({ maxConcurrent: 10, perSecond: 0, maxWaitMs: 5000, now: () => now })
  scheduler.pause(1000)
  let ran = false
  const run = scheduler.run('a', async () => { ran = true })
  await new Promise(resolve => setImmediate(resolve))
  t.notOk(ran, 'held during the pause')
  now = 1001
  await run
  t.ok(ran)
})
