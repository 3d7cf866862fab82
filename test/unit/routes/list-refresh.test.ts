import t from 'tap'
import { LIST_REFRESHES_PER_REQUEST, rowsToRefresh } from '../../../src/routes/tensorpix/forward.ts'

interface Row { id: number, readAt: Date | null, stale: boolean }

const listing = { stale: (row: Row) => row.stale, refreshedAt: (row: Row) => row.readAt }

t.test('a list reads at most the bound afresh, never-read first, then the longest unread', async t => {
  const rows: Row[] = Array.from({ length: 3 * LIST_REFRESHES_PER_REQUEST }, (_, i) =>
    ({ id: i, readAt: i % 7 === 0 ? null : new Date(1_000_000 - i * 1000), stale: true }))
  const chosen = [...rowsToRefresh(rows, listing)].map(row => row.id)
  t.equal(chosen.length, LIST_REFRESHES_PER_REQUEST)
  t.same(chosen.slice(0, 5).sort((a, b) => a - b), [0, 7, 14, 21, 28], 'the never-read ones first')
  t.same(chosen.slice(5), [29, 27, 26, 25, 24], 'then the oldest reads')
})

t.test('rows not worth reading are never read', async t => {
  const rows: Row[] = [{ id: 1, readAt: null, stale: false }, { id: 2, readAt: new Date(), stale: true }]
  t.same([...rowsToRefresh(rows, listing)].map(row => row.id), [2])
})
