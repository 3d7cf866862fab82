// The pure side of the account check: how a balance change is explained, when a drift counts, how an observed
// semantics explains one and how a refund seen only in the balance is shared between cancels.
import t from 'tap'
import { Decimal } from 'decimal.js'
import { createInFlight, explainInterval, outsideCount, verdict } from '../../../src/account/explain.ts'
import { reportedCost } from '../../../src/jobs/snapshot.ts'
import { apportion, ASSUMED_SEMANTICS, explainDrift, type EndedJob, type Plan } from '../../../src/account/semantics.ts'

const d = (v: string | number) => new Decimal(v)
const fixed = (values: Decimal[]) => values.map(v => v.toFixed(4))
const totals = (balance: string, ledgerNet: string, outsideCost = '0', topUps = '0') =>
  ({ balance: d(balance), ledgerNet: d(ledgerNet), outsideCost: d(outsideCost), topUps: d(topUps) })

t.test('an interval is explained by the ledger, outside jobs and top-ups', async t => {
  t.equal(explainInterval(null, totals('100', '0')).drift.toFixed(4), '0.0000', 'the first check is the baseline')
  const spent = explainInterval(totals('100', '5', '1'), totals('97.5', '6.5', '2'))
  t.equal(spent.drift.toFixed(4), '0.0000', '2.5 lost = 1.5 charged + 1 outside')
  const topped = explainInterval(totals('100', '5'), totals('150', '5', '0', '50'))
  t.equal(topped.drift.toFixed(4), '0.0000', 'a top-up explains a rise')
  const unexplained = explainInterval(totals('100', '5'), totals('99', '5'))
  t.equal(unexplained.drift.toFixed(4), '-1.0000', 'a loss nothing explains is negative drift')
  const overcharged = explainInterval(totals('100', '5'), totals('99.8', '6'))
  t.equal(overcharged.drift.toFixed(4), '0.8000', 'we charged more than the account lost: positive drift')
})

t.test('what an outside job counts', async t => {
  t.equal(outsideCount({ status: 1, cost: d('2') }, ASSUMED_SEMANTICS, d(0)).toFixed(4), '2.0000', 'running: its cost')
  t.equal(outsideCount({ status: -1, cost: d('2') }, ASSUMED_SEMANTICS, d(0)).toFixed(4), '0.0000',
    'failed and failures refunded: nothing')
  t.equal(outsideCount({ status: -1, cost: d('2') }, { ...ASSUMED_SEMANTICS, failed: 'as_reported' }, d(0)).toFixed(4),
    '2.0000')
  t.equal(outsideCount({ status: -2, cost: d('2') }, ASSUMED_SEMANTICS, d('1.6')).toFixed(4), '0.4000',
    'a gross cancel less the refund attributed to it')
})

t.test('a drift counts when it is seen unchanged half an interval apart, the last check quiet; announced once', async t => {
  const now = new Date('2026-12-07T12:00:00Z')
  const at = (msAgo: number) => new Date(now.getTime() - msAgo)
  const state = (drift: string, createsInFlight = 0, alerted = false, msAgo = 30_000) =>
    ({ cumulativeDrift: d(drift), createsInFlight, alerted, at: at(msAgo) })
  const current = (drift: number, createsInFlight = 0) => ({ cumulativeDrift: d(drift), createsInFlight, at: now })
  const STEADY = 30_000
  t.same(verdict([], current(0), STEADY), { persistent: false, alert: false, alerted: false })
  t.same(verdict([state('0')], current(-1), STEADY),
    { persistent: false, alert: false, alerted: false }, 'seen once: could be a create in flight')
  t.same(verdict([state('-1', 1)], current(-1), STEADY),
    { persistent: true, alert: true, alerted: true }, 'seen twice, half an interval apart, now quiet')
  t.same(verdict([state('-1', 0, false, 5_000)], current(-1), STEADY),
    { persistent: false, alert: false, alerted: false }, 'seen twice seconds apart: not yet')
  t.same(verdict([state('-1', 0, false, 5_000), state('-1', 0, false, 40_000)], current(-1), STEADY),
    { persistent: true, alert: true, alerted: true }, 'unchanged since a check far enough back')
  t.same(verdict([state('-1', 0, false, 5_000), state('-0.5', 0, false, 40_000)], current(-1), STEADY),
    { persistent: false, alert: false, alerted: false }, 'it changed in between: the older one does not count')
  t.same(verdict([state('-0.4')], current(-1), STEADY),
    { persistent: false, alert: false, alerted: false }, 'a different drift each time: not persistent')
  t.same(verdict([state('-1')], current(-1, 2), STEADY),
    { persistent: false, alert: false, alerted: false }, 'a create in flight keeps it transient')
  t.same(verdict([state('-1', 0, true)], current(-1), STEADY),
    { persistent: true, alert: false, alerted: true }, 'the episode was announced')
  t.same(verdict([state('-1', 0, true)], current(-2), STEADY),
    { persistent: false, alert: false, alerted: true }, 'a new amount in an announced episode: announced, not steady')
  t.same(verdict([state('-1', 0, true)], current(0), STEADY),
    { persistent: false, alert: false, alerted: false }, 'back to zero ends the episode')
})

t.test('only a create that may still be answered keeps a drift transient', async t => {
  const now = new Date('2026-12-07T12:00:00Z')
  const ago = (ms: number) => new Date(now.getTime() - ms)
  const open = (state: string, ageMs: number, error: string | null = null, submitted = true) =>
    ({ state, createdAt: ago(ageMs + 5), submittedAt: submitted ? ago(ageMs) : null, error })
  t.ok(createInFlight(open('pending', 3_600_000), now, 60_000), 'a pending create, however old (reconciled apart)')
  t.ok(createInFlight(open('unknown', 59_000), now, 60_000), 'an unknown create younger than the longest flight')
  t.notOk(createInFlight(open('unknown', 60_000), now, 60_000), 'an unknown create older than that: no answer comes')
  t.notOk(createInFlight(open('unknown', 1_000, 'held for an operator: two creates match one job'), now, 60_000),
    'held for an operator: stays unknown for as long as nobody decides')
  t.ok(createInFlight(open('unknown', 1_000, null, false), now, 60_000), 'never submitted: aged from its row')
  t.notOk(createInFlight(open('queued', 0), now, 60_000), 'TensorPix answered: not in flight')
})

t.test('largest-remainder apportionment adds up exactly', async t => {
  t.same(fixed(apportion(d('1'), [d(1), d(1), d(1)])), ['0.3334', '0.3333', '0.3333'])
  t.same(fixed(apportion(d('0.0010'), [d('0.3'), d('0.1')])), ['0.0008', '0.0002'])
  t.same(fixed(apportion(d('0.0001'), [d('1'), d('3')])), ['0.0000', '0.0001'], 'the remainder to the largest share')
  t.same(fixed(apportion(d('2'), [d(0), d(0)])), ['1.0000', '1.0000'], 'no weights: equal parts')
  t.same(apportion(d('1'), []), [])
  const shares = apportion(d('7.7777'), [d('1.1'), d('2.3'), d('0.7'), d('4.2')])
  t.equal(shares.reduce((a, b) => a.plus(b), d(0)).toFixed(4), '7.7777')
})

/** A failed job; `charged`: what the team pays for it now (0 when failures were believed refunded). */
const failed = (key: string, cost: string, charged = '0'): EndedJob =>
  ({ key, state: 'failed', cost: d(cost), createCost: d(cost), charged: d(charged), attributed: d(0), inDriftInterval: true, measured: false })
const cancelled = (key: string, cost: string, createCost: string | null = cost, inDriftInterval = true): EndedJob => {
  const create = createCost === null ? null : d(createCost)
  return { key, state: 'cancelled', cost: d(cost), createCost: create, charged: d(cost), attributed: d(0), inDriftInterval, measured: false }
}
/** The drift appeared in one interval (as a persistent drift from one event does). */
const explain = (drift: string, ended: EndedJob[], belief = ASSUMED_SEMANTICS) =>
  explainDrift(d(drift), d(drift), ended, belief)
const moves = (plan: Plan | null) => plan?.changes.map(c => [c.key, c.amount.toFixed(4), c.apportioned])

t.test('an observed semantics explains a drift exactly, or nothing does', async t => {
  const unrefunded = explain('-0.3', [failed('a', '0.1'), failed('b', '0.2'), cancelled('c', '0.5', '1')])
  t.same(unrefunded.plan?.semantics, { failed: 'as_reported', cancelled: 'as_reported' }, 'failures are not refunded')
  t.same(moves(unrefunded.plan), [['a', '0.1000', false], ['b', '0.2000', false]])

  const gross = explain('0.8', [cancelled('c', '1')])
  t.same(gross.plan?.semantics, { failed: 'refunded', cancelled: 'gross' }, 'a cancel\'s refund seen only in the balance')
  t.same(moves(gross.plan), [['c', '-0.8000', false]])

  const shared = explain('1', [cancelled('c', '1'), cancelled('e', '3'), cancelled('n', '2', '3')])
  t.same(moves(shared.plan), [['c', '-0.2500', true], ['e', '-0.7500', true]],
    'apportioned by cost; a net-looking cancel takes no share')

  const ongoing = explain('0.4', [cancelled('c', '0.5')], { failed: 'refunded', cancelled: 'gross' })
  t.same(ongoing.plan?.semantics, { failed: 'refunded', cancelled: 'gross' }, 'under gross already: attributed')

  t.same(explain('-0.25', [failed('a', '0.1')]), { plan: null, candidates: [] }, 'no exact explanation')
  const partly = explain('-0.2', [failed('a', '0.3', '0.1')])
  t.same(moves(partly.plan), [['a', '0.2000', false]],
    'a correction moves the job from what it was charged to what it settles at under the new belief')
  t.equal(explain('2', [cancelled('c', '1')]).plan, null, 'more than the cancels cost')
  t.equal(explain('0.5', [cancelled('c', '0.2', '1')]).plan, null, 'a cancel reported net is no evidence of gross')
  t.equal(explain('0', [failed('a', '1')]).plan, null, 'no drift, nothing to explain')
  t.equal(explain('-1', []).plan, null, 'no ended jobs: an unexplained change')
})

t.test('a belief switches only on one unambiguous, single-semantic explanation', async t => {
  const mixed = explain('0.6', [failed('a', '0.2'), cancelled('c', '1')])
  t.same(mixed.plan?.semantics, { failed: 'refunded', cancelled: 'gross' },
    'never a failure flip and cancel refunds at once: only gross alone explains')
  t.same(mixed.candidates, [{ failed: 'refunded', cancelled: 'gross' }])
  const notRefunded = { failed: 'as_reported', cancelled: 'as_reported' } as const
  const ambiguous = explain('0.2', [failed('a', '0.2', '0.2'), cancelled('c', '1')], notRefunded)
  t.same(ambiguous, {
    plan: null,
    candidates: [{ failed: 'refunded', cancelled: 'as_reported' }, { failed: 'as_reported', cancelled: 'gross' }]
  }, 'two candidates explain: nothing switches, both are named for an operator')

  const debit = explain('-1.5', [failed('a', '2'), cancelled('c', '1')])
  t.same(debit, { plan: null, candidates: [] },
    'an unrecorded debit beside a refunded failure and a cancel: no switch, for an operator')

  t.equal(explain('0.5', [cancelled('c', '0.8', '1')]).plan, null,
    'an unrecorded credit beside a cancel whose cost_usd differs from its create cost: no switch')
  t.equal(explain('0.5', [cancelled('c', '1', null)]).plan, null, 'a cancel whose create cost is unknown: no switch')
  t.equal(explain('0.5', [cancelled('c', '1', '1', false)]).plan, null,
    'a cancel that ended outside the interval the drift appeared in: no switch')
  t.equal(explain('0.5', [{ ...cancelled('c', '1'), measured: true }]).plan, null,
    'a cancel settled by the refund measured across its DELETE carries no other refund')
  t.equal(explainDrift(d('0.5'), d('0.3'), [cancelled('c', '1')], ASSUMED_SEMANTICS).plan, null,
    'a drift built up over several intervals: no gross')
  t.equal(explainDrift(d('0.5'), null, [cancelled('c', '1')], ASSUMED_SEMANTICS).plan, null,
    'no single interval showed the drift: no gross')
})

t.test('a stored cost_usd is read as settlement reads it: never negative, never a number', async t => {
  t.equal(reportedCost({ cost_usd: '0.5000' })?.toFixed(4), '0.5000')
  t.equal(reportedCost({ cost_usd: '-1' }), null, 'a negative cost would become a refund')
  t.equal(reportedCost({ cost_usd: 1 }), null, 'a number is not TensorPix\'s decimal string')
  t.equal(reportedCost({ detail: 'over budget' }), null)
})
