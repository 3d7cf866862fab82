import t from 'tap'
import { Decimal } from 'decimal.js'
import { nextSyncDelay, netCharged, terminalSettlement } from '../../../src/jobs/snapshot.ts'
import { matches } from '../../../src/workers/reconcile.ts'
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

t.test('reconciliation matches a lost create to the upstream job it made', async t => {
  const submittedAt = new Date('2026-11-24T12:00:00Z')
  const job = {
    source: 'from-url',
    videoUrl: 'https://cdn.example.com/a.mp4',
    mlModels: [35, 34],
    preview: false,
    request: { start_frame: null, end_frame: null },
    submittedAt,
    createdAt: submittedAt
  }
  const listed = {
    id: 1001,
    status: 0,
    started: '2026-11-24T12:00:01Z',
    preview: false,
    start_frame: null,
    end_frame: null,
    ml_models: [{ id: 34 }, { id: 35 }],
    input_video: { id: 5001, external_url: 'https://cdn.example.com/a.mp4' }
  }
  t.ok(matches(job, listed), 'same video, models (any order), options, time')
  t.notOk(matches(job, { ...listed, input_video: { id: 5001, external_url: 'https://cdn.example.com/b.mp4' } }), 'another video')
  t.notOk(matches(job, { ...listed, ml_models: [{ id: 34 }] }), 'other models')
  t.notOk(matches(job, { ...listed, preview: true }), 'a preview')
  t.notOk(matches(job, { ...listed, end_frame: 10 }), 'another segment')
  t.notOk(matches(job, { ...listed, started: '2026-11-24T11:50:00Z' }), 'started long before the submit')
  t.notOk(matches(job, { ...listed, started: '2026-11-24T12:30:00Z' }), 'started long after the submit')
  t.notOk(matches(job, { ...listed, started: undefined }), 'no start time')
  const upload = { ...job, source: 'upload', videoUrl: null, request: { input_video: 5001 } }
  t.ok(matches(upload, listed), 'an upload create matches on the input video id')
  t.notOk(matches(upload, { ...listed, input_video: 5002 }), 'another upload')
})
