// The per-replica budget state behind x-credits-* and the balance endpoint: kept until a change notice (or this
// replica's own movement) says otherwise, never kept while the change feed is down or across a read that a
// notice overtook.
import t from 'tap'
import type { Db } from '../../../src/db/client.ts'
import type { Subscriber } from '../../../src/db/change-feed.ts'
import { KEY_CHANNEL } from '../../../src/auth/key-cache.ts'
import { USAGE_CHANNEL } from '../../../src/ledger/usage.ts'
import { Balances } from '../../../src/ledger/balance-cache.ts'

const TEAM = 'team-a'

function bed () {
  const state = { reads: 0, held: '2', gate: null as Promise<void> | null }
  const db = {
    team: { findUniqueOrThrow: async () => ({ id: TEAM, budgetCredits: '100', budgetPeriod: 'month' }) },
    teamPeriodUsage: {
      findUnique: async () => {
        state.reads++
        if (state.gate) await state.gate
        return { charged: '1', held: state.held, adjusted: '0.5' }
      }
    }
  } as unknown as Db
  let subscriber: Subscriber | undefined
  const feed = { live: true, subscribe: (_channels: string[], s: Subscriber) => { subscriber = s } }
  const balances = new Balances(db, feed)
  const notify = (channel: string, payload: string) => subscriber?.changed(channel, payload)
  return { state, feed, balances, notify, reset: () => subscriber?.reset() }
}

t.test('the headers, and a second read from memory', async t => {
  const b = bed()
  const first = await b.balances.of(TEAM)
  t.same(first.headers, { 'x-credits-remaining': '97.5000', 'x-credits-held': '2.0000' }, 'budget + adjusted − charged − held')
  await b.balances.of(TEAM)
  t.equal(b.state.reads, 1, 'read once')
})

t.test('a usage notice for the team drops it; one for another team does not', async t => {
  const b = bed()
  await b.balances.of(TEAM)
  b.notify(USAGE_CHANNEL, 'team-b')
  await b.balances.of(TEAM)
  t.equal(b.state.reads, 1)
  b.state.held = '3'
  b.notify(USAGE_CHANNEL, TEAM)
  t.equal((await b.balances.of(TEAM)).headers['x-credits-held'], '3.0000', 'read again after the notice')
  t.equal(b.state.reads, 2)
})

t.test('team and key notices: a team change or "all" drops it, a single key does not', async t => {
  const b = bed()
  await b.balances.of(TEAM)
  b.notify(KEY_CHANNEL, JSON.stringify({ publicId: 'abcdefghijkl' }))
  await b.balances.of(TEAM)
  t.equal(b.state.reads, 1, 'a key change leaves budgets alone')
  b.notify(KEY_CHANNEL, JSON.stringify({ teamId: TEAM }))
  await b.balances.of(TEAM)
  t.equal(b.state.reads, 2, 'a team change (its budget, its period) drops it')
  b.notify(KEY_CHANNEL, JSON.stringify({ all: true }))
  await b.balances.of(TEAM)
  t.equal(b.state.reads, 3)
  b.notify(KEY_CHANNEL, 'not json')
  await b.balances.of(TEAM)
  t.equal(b.state.reads, 4, 'an unreadable notice drops everything')
})

t.test('this replica\'s own movement: forget, and the next answer reads', async t => {
  const b = bed()
  await b.balances.of(TEAM)
  b.balances.forget(TEAM)
  await b.balances.of(TEAM)
  t.equal(b.state.reads, 2)
})

t.test('nothing is kept while the feed is down, and a reset forgets everything', async t => {
  const b = bed()
  await b.balances.of(TEAM)
  b.feed.live = false
  b.reset()
  await b.balances.of(TEAM)
  await b.balances.of(TEAM)
  t.equal(b.state.reads, 3, 'every answer reads while no notice could arrive')
  b.feed.live = true
  await b.balances.of(TEAM)
  await b.balances.of(TEAM)
  t.equal(b.state.reads, 4, 'kept again once the feed is back')
})

t.test('a read that a notice overtook is answered but not kept', async t => {
  const b = bed()
  let open = () => {}
  b.state.gate = new Promise<void>(resolve => { open = resolve })
  const reading = b.balances.of(TEAM)
  await new Promise(resolve => setImmediate(resolve))
  b.notify(USAGE_CHANNEL, TEAM)
  open()
  await reading
  b.state.gate = null
  await b.balances.of(TEAM)
  t.equal(b.state.reads, 2, 'read again: the first read may have missed the change')
})

t.test('a new budget period reads again', async t => {
  const b = bed()
  await b.balances.of(TEAM, new Date('2026-11-30T23:59:59Z'))
  await b.balances.of(TEAM, new Date('2026-11-30T23:59:59.999Z'))
  t.equal(b.state.reads, 1)
  await b.balances.of(TEAM, new Date('2026-12-01T00:00:00Z'))
  t.equal(b.state.reads, 2, 'December is another usage row')
})
