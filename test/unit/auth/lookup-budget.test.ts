import t from 'tap'
import { LookupBudget } from '../../../src/auth/lookup-budget.ts'

// asks `count` times, `everyMs` apart from `from`; how many were granted
function taken (budget: LookupBudget, from: number, count: number, everyMs: number): number {
  let granted = 0
  for (let i = 0; i < count; i++) if (budget.take(from + i * everyMs)) granted++
  return granted
}

t.test('a burst gets one second\'s worth, then nothing until time passes', async t => {
  const budget = new LookupBudget(5, 0)
  const answers = Array.from({ length: 8 }, () => budget.take(0))
  t.same(answers, [true, true, true, true, true, false, false, false])
  t.equal(budget.take(199), false, 'less than a token refilled')
  t.equal(budget.take(200), true, 'one token after 1/5 s')
  t.equal(budget.take(200), false)
})

t.test('a sustained flood gets perSecond a second, however fast it asks', async t => {
  const budget = new LookupBudget(100, 0)
  // ten seconds of one request every 0.1 ms: the 100 saved up, then 100 a second (the last ask comes 0.1 ms
  // before the thousandth refilled token)
  t.equal(taken(budget, 0, 100_000, 0.1), 100 + 100 * 10 - 1)
})

t.test('a quiet spell saves up at most one second\'s worth', async t => {
  const budget = new LookupBudget(10, 0)
  t.equal(taken(budget, 0, 100, 0.01), 10, 'drained at once')
  t.equal(taken(budget, 60_000, 100, 0.01), 10, 'a minute later: ten again, not six hundred')
})

t.test('0 is no cap', async t => {
  const budget = new LookupBudget(0, 0)
  t.equal(taken(budget, 0, 10_000, 0.001), 10_000)
})

t.test('a clock that steps back neither refills nor breaks the bucket', async t => {
  const budget = new LookupBudget(2, 10_000)
  t.ok(budget.take(10_000))
  t.ok(budget.take(10_000))
  t.notOk(budget.take(5_000), 'stepping back refills nothing')
  t.notOk(budget.take(10_000), 'nor does coming back to where it was')
  t.ok(budget.take(10_500), 'half a second later: one token')
})
