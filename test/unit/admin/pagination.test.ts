import t from 'tap'
import { decodeCursor, encodeCursor, pageStart, toPage } from '../../../src/admin/pagination.ts'
import { GatewayError } from '../../../src/errors/gateway-error.ts'

t.test('cursors round-trip and foreign ones are a 400 on query.cursor', async t => {
  t.equal(decodeCursor(encodeCursor('team-α')), 'team-α')
  for (const bad of ['%%%', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1]').toString('base64url')]) {
    const err = (() => { try { decodeCursor(bad) } catch (e) { return e } })()
    t.ok(err instanceof GatewayError && err.statusCode === 400, `${bad} is refused`)
    t.match((err as GatewayError).details, [{ field: 'query.cursor' }])
  }
})

t.test('a page starts after a cursor or at an offset, never both', async t => {
  t.same(pageStart({ limit: 10 }), { after: null, skip: 0 })
  t.same(pageStart({ limit: 10, offset: 20 }), { after: null, skip: 20 })
  t.same(pageStart({ limit: 10, cursor: encodeCursor('b') }), { after: 'b', skip: 0 })
  t.throws(() => pageStart({ limit: 10, cursor: encodeCursor('b'), offset: 1 }))
})

t.test('toPage keeps limit rows and points the cursor at the last one when more exist', async t => {
  const rows = ['a', 'b', 'c']
  t.same(toPage(rows, 2, r => r, r => r.toUpperCase()), { items: ['A', 'B'], nextCursor: encodeCursor('b') })
  t.same(toPage(rows, 3, r => r, r => r), { items: rows, nextCursor: null })
  t.same(toPage([], 3, (r: string) => r, r => r), { items: [], nextCursor: null })
})
