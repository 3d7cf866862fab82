// The cache's bookkeeping without a database: made-up prefixes are bounded apart from real keys, and every kind of
// invalidation drops what it must. (The change feed is what the integration tests cover; here it is a live stub.)
import t from 'tap'
import { KeyCache } from '../../../src/auth/key-cache.ts'

interface Row { teamId: string | null, name: string }

function cache (options: { maxKeys?: number, maxAbsent?: number, live?: boolean } = {}) {
  const { live = true, ...sizes } = options
  return new KeyCache<Row>({ feed: { live, subscribe () {} }, ...sizes })
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

t.test('which public ids are keys\' outlives the cached rows', async t => {
  const c = cache({ maxKeys: 2 })
  t.notOk(c.isKey('a'), 'nothing is known to begin with')
  c.set('a', { teamId: 't1', name: 'a' }, 0, 0)
  c.set('probed', null, 0, 0)
  t.ok(c.isKey('a'), 'a row was found for it')
  t.notOk(c.isKey('probed'), 'no row: a made-up prefix')
  t.equal(c.get('a', 60_000), undefined, 'the row expired')
  t.ok(c.isKey('a'), 'but it is still a key\'s')
  c.reset()
  c.invalidate({ all: true })
  c.invalidate({ teamId: 't1' })
  t.ok(c.isKey('a'), 'through resets and invalidations too')

  c.set('b', { teamId: 't2', name: 'b' }, 0, c.generation)
  c.invalidate({ publicId: 'created' })
  t.ok(c.isKey('created'), 'a change notice names a key')
  t.notOk(c.isKey('a'), 'bounded like the rows (maxKeys): the oldest went')
  t.ok(c.isKey('b'))
  c.set('created', null, 0, c.generation)
  t.notOk(c.isKey('created'), 'a lookup that finds no row forgets it')
})

t.test('with the feed down nothing is cached, but keys are still told from made-up prefixes', async t => {
  const c = cache({ live: false })
  c.set('a', { teamId: null, name: 'a' }, 0, 0)
  t.equal(c.get('a', 1), undefined, 'not cached')
  t.ok(c.isKey('a'))
})

t.test('a lookup older than an invalidation does not decide whether its public id is a key\'s', async t => {
  const c = cache()
  const loadedAt = c.generation
  c.invalidate({ publicId: 'new' })
  c.set('new', null, 0, loadedAt)
  t.ok(c.isKey('new'), 'the create notice wins over the lookup that started before it')
})
