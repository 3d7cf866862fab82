// The cache's bookkeeping without a database: made-up prefixes are bounded apart from real keys, and every kind of
// invalidation drops what it must. (The change feed is what the integration tests cover; here it is a live stub.)
import t from 'tap'
import { KeyCache } from '../../../src/auth/key-cache.ts'

interface Row { teamId: string | null, name: string }

function cache (options: { maxKeys?: number, maxAbsent?: number } = {}) {
  return new KeyCache<Row>({ feed: { live: true, subscribe () {} }, ...options })
}

t.test('unknown prefixes are bounded and never evict a real key', async t => {
  const c = cache({ maxKeys: 10, maxAbsent: 100 })
  c.set('real', { teamId: 't1', name: 'real' }, 0, 0)
  for (let i = 0; i < 10_000; i++) c.set(`fake${i}`, null, 0, 0)
  t.same(c.size, { known: 1, absent: 100 })
  t.same(c.get('real', 1)?.row, { teamId: 't1', name: 'real' })
  t.equal(c.get('fake9999', 1)?.row, null, 'the newest unknown prefix is remembered')
  t.equal(c.get('fake0', 1), undefined, 'the oldest was dropped')
})

t.test('invalidation', async t => {
  const c = cache()
  c.set('a', { teamId: 't1', name: 'a' }, 0, 0)
  c.set('b', { teamId: 't2', name: 'b' }, 0, 0)
  c.set('probed', null, 0, 0)
  c.invalidate({ publicId: 'probed' })
  t.equal(c.get('probed', 1), undefined, 'a created key is no longer remembered as unknown')
  c.invalidate({ teamId: 't1' })
  t.equal(c.get('a', 1), undefined, 'a team change drops its keys')
  t.ok(c.get('b', 1), 'and only its keys')
  c.invalidate({ all: true })
  t.same(c.size, { known: 0, absent: 0 })
})

t.test('a row loaded before an invalidation is not cached', async t => {
  const c = cache()
  const loadedAt = c.generation
  c.invalidate({ publicId: 'x' })
  c.set('x', { teamId: null, name: 'x' }, 0, loadedAt)
  t.equal(c.get('x', 1), undefined)
})

t.test('entries expire', async t => {
  const c = cache()
  c.set('a', { teamId: null, name: 'a' }, 0, 0)
  t.ok(c.get('a', 59_999))
  t.equal(c.get('a', 60_000), undefined)
})
