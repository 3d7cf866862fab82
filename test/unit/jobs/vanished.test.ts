// When a job TensorPix answers 404 for is set aside (src/jobs/vanished.ts), and which records are read afresh.
import t from 'tap'
import {
  countNotFound, VANISH_AFTER_MS, VANISH_AFTER_POLLS, VANISHED_POLL_FOR_MS, VANISHED_POLL_MS
} from '../../../src/jobs/vanished.ts'
import { needsRefresh, SNAPSHOT_REFRESH_MS } from '../../../src/jobs/snapshot.ts'

const at = (ms: number) => new Date(Date.UTC(2026, 11, 7) + ms)

t.test('set aside after enough 404s over long enough, both', async t => {
  const first = countNotFound({ state: 'processing', notFoundPolls: 0, notFoundSince: null }, at(0))
  t.match(first, { notFoundPolls: 1, notFoundSince: at(0), vanishes: false })
  const since = at(0)
  const many = { state: 'processing' as const, notFoundPolls: VANISH_AFTER_POLLS + 10, notFoundSince: since }
  t.equal(countNotFound(many, at(VANISH_AFTER_MS - 1)).vanishes, false, 'many 404s in a short while: not yet')
  const few = { ...many, notFoundPolls: VANISH_AFTER_POLLS - 2 }
  t.equal(countNotFound(few, at(10 * VANISH_AFTER_MS)).vanishes, false, 'few 404s over a long while: not yet')
  const enough = { ...many, notFoundPolls: VANISH_AFTER_POLLS - 1 }
  t.equal(countNotFound(enough, at(VANISH_AFTER_MS)).vanishes, true)
  t.same(countNotFound(enough, at(VANISH_AFTER_MS)).vanishedPollAt, at(VANISH_AFTER_MS + VANISHED_POLL_MS))
  t.equal(countNotFound({ ...enough, state: 'vanished' }, at(VANISH_AFTER_MS)).vanishes, false, 'once')
  t.equal(countNotFound({ ...enough, state: 'vanished' }, at(VANISHED_POLL_FOR_MS)).vanishedPollAt, null,
    'after a week the sync stops asking')
})

t.test('which records are read afresh', async t => {
  const now = at(60_000)
  const old = at(60_000 - SNAPSHOT_REFRESH_MS - 1)
  const job = { state: 'processing' as const, snapshot: {}, lastSyncedAt: old, outputVideoId: null, nextSyncAt: null }
  t.ok(needsRefresh(job, now), 'a running job seen a while ago')
  t.notOk(needsRefresh({ ...job, lastSyncedAt: now }, now), 'just seen')
  t.ok(needsRefresh({ ...job, snapshot: null, lastSyncedAt: now }, now), 'never seen')
  t.notOk(needsRefresh({ ...job, state: 'finished', outputVideoId: 7 }, now), 'finished with its output')
  t.ok(needsRefresh({ ...job, state: 'finished', nextSyncAt: now }, now), 'finished, its output still awaited')
  t.notOk(needsRefresh({ ...job, state: 'finished' }, now), 'finished, the wait for its output over')
  t.notOk(needsRefresh({ ...job, state: 'vanished', snapshot: null }, now), 'vanished: TensorPix has nothing to show')
})
