import t from 'tap'
import { Decimal } from 'decimal.js'
import { nextSyncDelay, netCharged, terminalSettlement } from '../../../src/jobs/snapshot.ts'
import { ASSUMED_SEMANTICS as A } from '../../../src/account/semantics.ts'

const d = (v: string) => new Decimal(v)

t.test('terminal settlement', async t => {
  t.same(terminalSettlement('finished', d('2.5'), d('2.5'), A), null, 'final cost already charged')
  const more = terminalSettlement('finished', d('2.5'), d('3.0001'), A)
  t.equal(more?.kind, 'charge')
  t.equal(more?.amount.toFixed(4), '0.5001')
  const less = terminalSettlement('finished', d('2.5'), d('2'), A)
  t.equal(less?.kind, 'refund')
  t.equal(less?.amount.toFixed(4), '0.5000')
  const failed = terminalSettlement('failed', d('2.5'), d('2.5'), A)
  t.same([failed?.kind, failed?.amount.toFixed(4)], ['refund', '2.5000'], 'a failure refunds everything')
  const cancelled = terminalSettlement('cancelled', d('10'), d('2'), A)
  t.same([cancelled?.kind, cancelled?.amount.toFixed(4)], ['refund', '8.0000'], 'a cancel refunds what TensorPix gave back')
  t.same(terminalSettlement('failed', d('0'), d('0'), A), null, 'nothing charged, nothing refunded')
  const kept = terminalSettlement('failed', d('2.5'), d('2.5'), { ...A, failed: 'as_reported' })
  t.same(kept, null, 'failures not refunded (observed): the failed job costs what it reports')
  const gross = terminalSettlement('cancelled', d('10'), d('10'), { ...A, cancelled: 'gross' })
  t.same(gross, null, 'a gross cancel report keeps the cost; the account check attributes the refund')
})

t.test('net charged', async t => {
  t.equal(netCharged({ actualCost: null, refundedCost: d('0') }).toFixed(4), '0.0000')
  t.equal(netCharged({ actualCost: d('3'), refundedCost: '1.25' }).toFixed(4), '1.7500')
})

t.test('sync backoff grows and is bounded', async t => {
  t.equal(nextSyncDelay(0), 5000)
  t.equal(nextSyncDelay(1), 10000)
  t.ok(nextSyncDelay(3) > nextSyncDelay(2))
  t.equal(nextSyncDelay(50), 300000)
})
