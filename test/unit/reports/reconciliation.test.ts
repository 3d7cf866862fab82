import t from 'tap'
import { Decimal } from 'decimal.js'
import { impliedCost } from '../../../src/reports/reconciliation.ts'
import { ASSUMED_SEMANTICS } from '../../../src/account/semantics.ts'

const cost = (state: Parameters<typeof impliedCost>[0]['state'], snapshot: unknown, responseBody: unknown = null) =>
  impliedCost({ state, snapshot, responseStatus: null, responseBody, actualCost: null, cancelRefundMeasured: null },
    ASSUMED_SEMANTICS)
    ?.toFixed(4) ?? null

t.test('what TensorPix\'s figures imply a job costs, as the status sync settles it', async t => {
  t.equal(cost('finished', { cost_usd: '0.1563' }), '0.1563', 'finished: the reported cost')
  t.equal(cost('cancelled', { cost_usd: '0.0400' }), '0.0400', 'cancelled: what TensorPix kept')
  t.equal(cost('failed', { cost_usd: '0.1563' }), '0.0000', 'failed: nothing')
  t.equal(cost('finished', {}), null, 'no reported cost: unknown, as the sync keeps the charge')
  t.equal(cost('cancelled', { cost_usd: null }), null, 'a null one too')
  t.equal(cost('finished', { cost_usd: 'n/a' }), null, 'and an unreadable one')
  t.equal(cost('failed', {}), '0.0000', 'a failure costs nothing whatever TensorPix reports')
  t.equal(cost('processing', { cost_usd: '0.2000' }, { cost_usd: '0.1000' }), '0.2000', 'running: the latest snapshot')
  t.equal(cost('queued', null, { cost_usd: '0.1000' }), '0.1000', 'running, never polled: the create answer')
  t.equal(cost('queued', null, { detail: 'Budget exhausted' }), '0.0000')
  t.equal(cost('queued', { cost_usd: 'n/a' }, { cost_usd: '0.1000' }), '0.1000', 'an unreadable figure is skipped')
  const overBudget = { state: 'queued', snapshot: null, responseBody: { detail: 'Budget exhausted' }, actualCost: '0.1000', cancelRefundMeasured: null } as const
  t.equal(impliedCost({ ...overBudget, responseStatus: 402 }, ASSUMED_SEMANTICS)?.toFixed(4), '0.1000',
    'over budget, never polled: the create answer\'s cost, as settle recorded it (the stored answer is the 402)')
  for (const state of ['pending', 'unknown', 'rejected'] as const) t.equal(cost(state, { cost_usd: '1' }), '0.0000', `${state}: nothing`)
})

t.test('under observed semantics: unrefunded failures cost what they report, gross cancels less their refund', async t => {
  const observed = { failed: 'as_reported', cancelled: 'gross' } as const
  const ended = { responseStatus: null, responseBody: null, actualCost: null, cancelRefundMeasured: null }
  t.equal(impliedCost({ ...ended, state: 'failed', snapshot: { cost_usd: '0.1563' } }, observed)?.toFixed(4),
    '0.1563')
  t.equal(impliedCost({ ...ended, state: 'failed', snapshot: {} }, observed), null,
    'an unrefunded failure without a cost: unknown, as the sync keeps the charge')
  t.equal(impliedCost({ ...ended, state: 'cancelled', snapshot: { cost_usd: '0.2000' } }, observed,
    new Decimal('0.1600'))?.toFixed(4), '0.0400', 'the refund attributed from the balance')
})

t.test('a cancel measured in the balance costs its create cost less the measured refund', async t => {
  const cancelled = { state: 'cancelled', responseStatus: 201, responseBody: { cost_usd: '0.2000' }, actualCost: '0.2000' } as const
  const gross = { ...cancelled, snapshot: { cost_usd: '0.2000' }, cancelRefundMeasured: '0.1600' }
  t.equal(impliedCost(gross, ASSUMED_SEMANTICS)?.toFixed(4), '0.0400', 'a gross report, under any belief')
  t.equal(impliedCost({ ...gross, snapshot: { cost_usd: '0.1000' } }, ASSUMED_SEMANTICS)?.toFixed(4), '0.1000',
    'a measurement the report contradicts is not used')
})
