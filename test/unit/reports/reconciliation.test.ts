import t from 'tap'
import { Decimal } from 'decimal.js'
import { impliedCost } from '../../../src/reports/reconciliation.ts'
import { ASSUMED_SEMANTICS } from '../../../src/account/semantics.ts'

const cost = (state: Parameters<typeof impliedCost>[0]['state'], snapshot: unknown, responseBody: unknown = null) =>
  impliedCost({ state, snapshot, responseBody }, ASSUMED_SEMANTICS).toFixed(4)

t.test('what TensorPix\'s figures imply a job costs, as the status sync settles it', async t => {
  t.equal(cost('finished', { cost_usd: '0.1563' }), '0.1563', 'finished: the reported cost')
  t.equal(cost('cancelled', { cost_usd: '0.0400' }), '0.0400', 'cancelled: what TensorPix kept')
  t.equal(cost('failed', { cost_usd: '0.1563' }), '0.0000', 'failed: nothing')
  t.equal(cost('finished', {}), '0.0000', 'no reported cost counts as zero, as the sync does')
  t.equal(cost('processing', { cost_usd: '0.2000' }, { cost_usd: '0.1000' }), '0.2000', 'running: the latest snapshot')
  t.equal(cost('queued', null, { cost_usd: '0.1000' }), '0.1000', 'running, never polled: the create answer')
  t.equal(cost('queued', null, { detail: 'Budget exhausted' }), '0.0000')
  t.equal(cost('queued', { cost_usd: 'n/a' }, { cost_usd: '0.1000' }), '0.1000', 'an unreadable figure is skipped')
  for (const state of ['pending', 'unknown', 'rejected'] as const) t.equal(cost(state, { cost_usd: '1' }), '0.0000', `${state}: nothing`)
})

t.test('under observed semantics: unrefunded failures cost what they report, gross cancels less their refund', async t => {
  const observed = { failed: 'as_reported', cancelled: 'gross' } as const
  t.equal(impliedCost({ state: 'failed', snapshot: { cost_usd: '0.1563' }, responseBody: null }, observed).toFixed(4),
    '0.1563')
  t.equal(impliedCost({ state: 'cancelled', snapshot: { cost_usd: '0.2000' }, responseBody: null }, observed,
    new Decimal('0.1600')).toFixed(4), '0.0400', 'the refund attributed from the balance')
})
