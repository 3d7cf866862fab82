import t from 'tap'
import { ThrottledAddresses } from '../../../src/auth/throttled-addresses.ts'

t.test('an address is throttled until its end, then forgotten', async t => {
  const throttled = new ThrottledAddresses()
  t.equal(throttled.endOf('10.0.0.1', 0), null, 'nobody is throttled to begin with')
  throttled.throttle('10.0.0.1', 30_000)
  t.equal(throttled.endOf('10.0.0.1', 29_999), 30_000)
  t.equal(throttled.endOf('10.0.0.2', 29_999), null, 'only that address')
  t.equal(throttled.endOf('10.0.0.1', 30_000), null, 'over at its end')
  t.equal(throttled.size, 0, 'and no longer held')
})

t.test('throttling again moves the end', async t => {
  const throttled = new ThrottledAddresses()
  throttled.throttle('a', 1000)
  throttled.throttle('a', 5000)
  t.equal(throttled.endOf('a', 2000), 5000)
  t.equal(throttled.size, 1)
})

t.test('bounded: the oldest address makes room for a new one', async t => {
  const throttled = new ThrottledAddresses(3)
  for (const address of ['a', 'b', 'c', 'd']) throttled.throttle(address, 1000)
  t.equal(throttled.size, 3)
  t.equal(throttled.endOf('a', 0), null, 'the oldest went')
  t.same(['b', 'c', 'd'].map(a => throttled.endOf(a, 0)), [1000, 1000, 1000])
  throttled.throttle('b', 2000)
  throttled.throttle('e', 1000)
  t.equal(throttled.endOf('c', 0), null, 'b was throttled again, so c is now the oldest')
  t.equal(throttled.endOf('b', 0), 2000)
})
