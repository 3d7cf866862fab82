// The pure side of the account check: how a balance change is explained, when a drift counts, how an observed
// semantics explains one and how a refund seen only in the balance is shared between cancels.
import t from 'tap'
import { Decimal } from 'decimal.js'
import { explainInterval, outsideCount, verdict } from '../../../src/account/explain.ts'
import { apportion, ASSUMED_SEMANTICS, explainDrift, type EndedJob } from '../../../src/account/semantics.ts'

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

t.test('a drift counts when it persists, the last check quiet; announced once per episode', async t => {
  const state = (drift: string, createsInFlight = 0, alerted = false) =>
    ({ cumulativeDrift: d(drift), createsInFlight, alerted })
  t.same(verdict([], { cumulativeDrift: d(0), createsInFlight: 0 }),
    { persistent: false, alert: false, alerted: false })
  t.same(verdict([state('0')], { cumulativeDrift: d(-1), createsInFlight: 0 }),
    { persistent: false, alert: false, alerted: false }, 'seen once: could be a create in flight')
  t.same(verdict([state('-1', 1)], { cumulativeDrift: d(-1), createsInFlight: 0 }),
    { persistent: true, alert: true, alerted: true }, 'seen twice, now quiet')
  t.same(verdict([state('-1')], { cumulativeDrift: d(-1), createsInFlight: 2 }),
    { persistent: false, alert: false, alerted: false }, 'a create in flight keeps it transient')
  t.same(verdict([state('-1', 0, true)], { cumulativeDrift: d(-2), createsInFlight: 0 }),
    { persistent: true, alert: false, alerted: true }, 'the episode was announced')
  t.same(verdict([state('-1', 0, true)], { cumulativeDrift: d(0), createsInFlight: 0 }),
    { persistent: false, alert: false, alerted: false }, 'back to zero ends the episode')
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

const failed = (key: string, cost: string): EndedJob =>
  ({ key, state: 'failed', cost: d(cost), createCost: d(cost), attributed: d(0) })
const cancelled = (key: string, cost: string, createCost: string | null = cost): EndedJob =>
  ({ key, state: 'cancelled', cost: d(cost), createCost: createCost === null ? null : d(createCost), attributed: d(0) })

t.test('an observed semantics explains a drift exactly, or nothing does', async t => {
  const unrefunded = explainDrift(d('-0.3'), [failed('a', '0.1'), failed('b', '0.2'), cancelled('c', '0.5', '1')],
    ASSUMED_SEMANTICS)
  t.same(unrefunded?.semantics, { failed: 'as_reported', cancelled: 'as_reported' }, 'failures are not refunded')
  t.same(unrefunded?.changes.map(c => [c.key, c.amount.toFixed(4)]), [['a', '0.1000'], ['b', '0.2000']])

  const gross = explainDrift(d('0.8'), [cancelled('c', '1')], ASSUMED_SEMANTICS)
  t.same(gross?.semantics, { failed: 'refunded', cancelled: 'gross' }, 'a cancel\'s refund seen only in the balance')
  t.same(gross?.changes.map(c => [c.key, c.amount.toFixed(4), c.apportioned]), [['c', '-0.8000', false]])

  const shared = explainDrift(d('1'), [cancelled('c', '1'), cancelled('e', '3'), cancelled('n', '2', '3')],
    ASSUMED_SEMANTICS)
  t.same(shared?.changes.map(c => [c.key, c.amount.toFixed(4), c.apportioned]),
    [['c', '-0.2500', true], ['e', '-0.7500', true]], 'apportioned by cost; a net-looking cancel takes no share')

  const both = explainDrift(d('0.6'), [failed('a', '0.2'), cancelled('c', '1')], ASSUMED_SEMANTICS)
  t.same(both?.semantics, { failed: 'as_reported', cancelled: 'gross' }, 'both at once')
  t.same(both?.changes.map(c => [c.key, c.amount.toFixed(4)]), [['a', '0.2000'], ['c', '-0.8000']])
  t.same(both?.alternatives, [{ failed: 'refunded', cancelled: 'gross' }],
    'gross alone (a refund of 0.6) would explain it too: the evidence says the choice was not unique')
  t.same(unrefunded?.alternatives, [], 'unique')

  const ongoing = explainDrift(d('0.4'), [cancelled('c', '0.5')], { failed: 'refunded', cancelled: 'gross' })
  t.same(ongoing?.semantics, { failed: 'refunded', cancelled: 'gross' }, 'under gross already: attributed, no switch')

  t.equal(explainDrift(d('-0.25'), [failed('a', '0.1')], ASSUMED_SEMANTICS), null, 'no exact explanation')
  t.equal(explainDrift(d('2'), [cancelled('c', '1')], ASSUMED_SEMANTICS), null, 'more than the cancels cost')
  t.equal(explainDrift(d('0.5'), [cancelled('c', '0.2', '1')], ASSUMED_SEMANTICS), null,
    'a cancel reported net is no evidence of gross')
  t.equal(explainDrift(d('0'), [failed('a', '1')], ASSUMED_SEMANTICS), null, 'no drift, nothing to explain')
  t.equal(explainDrift(d('-1'), [], ASSUMED_SEMANTICS), null, 'no ended jobs: an unexplained change')
})
