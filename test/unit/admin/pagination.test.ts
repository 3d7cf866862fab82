import t from 'tap'
import { bigintAfter, decodeCursor, encodeCursor, pageStart, toPage } from '../../../src/admin/pagination.ts'
import { GatewayError } from '../../../src/errors/gateway-error.ts'

t.test('cursors round-trip and foreign ones are a 400 on query.cursor', async t => {
  t.equal(decodeCursor(encodeCursor('team-α')), 'team-α')
  const crafted = ['acme\u0000', 'a\ud800'].map(key => Buffer.from(JSON.stringify([key])).toString('base64url'))
  for (const bad of ['%%%', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1]').toString('base64url'), ...crafted]) {
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

t.test('a bigint cursor must fit PostgreSQL\'s bigint', async t => {
  t.equal(bigintAfter(null), undefined)
  t.equal(bigintAfter('9223372036854775807'), 9223372036854775807n)
  for (const bad of ['9223372036854775808', '9999999999999999999', '-1', '1e3', '']) {
    t.throws(() => bigintAfter(bad), GatewayError, bad)
  }
})
