import t from 'tap'
import { Decimal } from 'decimal.js'
import type { LedgerEntry } from '../../../src/generated/prisma/client.ts'
import { jobSortKey, jobTimeline, jobView, parseJobSortKey, type JobRow } from '../../../src/admin/jobs/view.ts'
import { GatewayError } from '../../../src/errors/gateway-error.ts'

const at = (second: number) => new Date(Date.UTC(2026, 10, 20, 10, 0, second))

function job (extra: Partial<JobRow> = {}): JobRow {
  return {
    id: '0b7c8a52-6f7e-4c44-9d1a-3e2f1b0a9c81',
    teamId: 't',
    apiKeyId: 'k',
    upstreamId: 1001,
    source: 'from-url',
    state: 'queued',
    request: {},
    videoUrl: null,
    mlModels: [34],
    preview: false,
    periodStart: new Date('2026-11-01'),
    estimatedCost: new Decimal(10),
    actualCost: new Decimal('2.5'),
    refundedCost: new Decimal(0),
    snapshot: null,
    progress: null,
    outputVideoId: null,
    error: null,
    idempotencyKey: null,
    requestHash: null,
    responseStatus: null,
    responseBody: null,
    createdAt: at(0),
    submittedAt: at(0),
    lastSyncedAt: null,
    nextSyncAt: null,
    syncAttempts: 0,
    finishedAt: null,
    retentionDeletedAt: null,
    costWeights: null,
    overBudgetCancel: null,
    cancelAttempts: 0,
    cancelNextAt: null,
    cancelError: null,
    overspentCredits: null,
    team: { slug: 'red', name: 'Red' },
    apiKey: { name: 'worker', publicId: 'abcdefghijkl' },
    ...extra
  } as JobRow
}

let ledgerId = 0
const row = (kind: LedgerEntry['kind'], amount: string, second: number, reason = kind): LedgerEntry => ({
  id: BigInt(++ledgerId),
  teamId: 't',
  jobId: 'j',
  apiKeyId: 'k',
  kind,
  amount: new Decimal(amount) as LedgerEntry['amount'],
  periodStart: new Date('2026-11-01'),
  reason,
  actorKeyId: null,
  createdAt: at(second)
})

const story = (events: ReturnType<typeof jobTimeline>) => events.map(e => e.amount === null ? e.kind : `${e.kind} ${e.amount}`)

t.test('a running job: created, hold, submitted when its answer was recorded, settlement, last status', async t => {
  const events = jobTimeline(job({ state: 'processing', progress: 0.42, lastSyncedAt: at(9) }),
    [row('hold', '10', 1), row('release', '10', 3), row('charge', '2.5', 3)])
  t.same(story(events), ['created', 'hold 10.0000', 'submitted', 'release 10.0000', 'charge 2.5000', 'status'])
  t.equal(events[2]?.at, at(3).toISOString(), 'submitted when the settlement was written')
  t.match(events[1], { description: 'hold', ledgerId: String(ledgerId - 2) })
  t.match(events[5], { at: at(9).toISOString(), description: 'Last seen processing at TensorPix (42 %)' })
  t.match(events[0], { description: 'Created (from-url) with key worker (tgw_abcdefghijkl)' })
})

t.test('a failed job: the refund written with the terminal state follows it', async t => {
  const events = jobTimeline(job({ state: 'failed', error: 'decoder crashed', lastSyncedAt: at(20), finishedAt: at(18), refundedCost: new Decimal('2.5') as JobRow['refundedCost'] }),
    [row('hold', '10', 1), row('release', '10', 3), row('charge', '2.5', 3), row('refund', '2.5', 20)])
  t.same(story(events), ['created', 'hold 10.0000', 'submitted', 'release 10.0000', 'charge 2.5000', 'failed', 'refund 2.5000'])
  t.match(events[5], { at: at(20).toISOString(), description: 'Failed at TensorPix: decoder crashed' }, 'when the gateway recorded it')
})

t.test('a refused create has no submission; a preview no money; a pending job no status', async t => {
  t.same(story(jobTimeline(job({ state: 'rejected', upstreamId: null, submittedAt: null, finishedAt: at(2), error: 'bad video' }),
    [row('hold', '10', 1), row('release', '10', 2)])), ['created', 'hold 10.0000', 'release 10.0000', 'rejected'])
  const preview = jobTimeline(job({ preview: true, submittedAt: at(0), createdAt: at(1) }), [])
  t.same(story(preview), ['created', 'submitted', 'status'])
  t.equal(preview[1]?.at, at(1).toISOString(), 'never before the job was created')
  t.same(story(jobTimeline(job({ state: 'pending', upstreamId: null, submittedAt: null }), [row('hold', '10', 1)])), ['created', 'hold 10.0000'])
})

t.test('the view shows money as 4-place strings and the net cost', async t => {
  t.match(jobView(job({ refundedCost: new Decimal('0.5') as JobRow['refundedCost'] })), {
    estimatedCost: '10.0000', actualCost: '2.5000', refundedCost: '0.5000', netCost: '2.0000', keyPrefix: 'tgw_abcdefghijkl', teamSlug: 'red'
  })
  t.equal(jobView(job({ actualCost: null })).actualCost, null)
})

t.test('the view shows the cancel of an over-budget job, and null for any other', async t => {
  t.equal(jobView(job()).overBudgetCancel, null)
  const pending = { overBudgetCancel: 'pending', cancelAttempts: 2, cancelNextAt: at(30), cancelError: 'TensorPix answered HTTP 429' } as const
  t.same(jobView(job(pending)).overBudgetCancel,
    { state: 'pending', attempts: 2, nextAttemptAt: at(30).toISOString(), lastError: 'TensorPix answered HTTP 429', overspent: null })
  const overtaken = { overBudgetCancel: 'overtaken', overspentCredits: new Decimal('2.5') as JobRow['refundedCost'] } as const
  t.match(jobView(job({ state: 'finished', ...overtaken })).overBudgetCancel, { state: 'overtaken', overspent: '2.5000' })
})

t.test('sort keys round-trip; anything else is a 400 on query.cursor', async t => {
  const key = jobSortKey({ createdAt: at(5), id: job().id })
  t.same(parseJobSortKey(key), { createdAt: at(5), id: job().id })
  const impossible = ['2026-02-30T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '2026-02-01', '2026-02-01T00:00:00Z', '2026-02-01\u0000']
  for (const bad of ['', 'x', `${at(5).toISOString()} nope`, `later ${job().id}`, `${key} extra`, ...impossible.map(date => `${date} ${job().id}`)]) {
    t.throws(() => parseJobSortKey(bad), GatewayError, JSON.stringify(bad))
  }
})
