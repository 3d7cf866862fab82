// Regression (issue 15, 4 and 5): reconciliation's pure decisions. A lost create used to be matched only when
// `started` was its creation time within ten minutes, the URL and start_frame were echoed byte for byte, and no
// other team's create or in-flight request was considered; each difference released a job TensorPix ran, or gave
// one team's job to another.
import t from 'tap'
import {
  assign, listOrder, matches, normalisedUrl, startedMeaning, type OpenCreate
} from '../../../src/workers/reconcile-match.ts'
import type { TensorpixJob } from '../../../src/tensorpix/jobs.ts'

const submittedAt = new Date('2026-11-24T12:00:00Z')
const record = {
  source: 'from-url',
  videoUrl: 'https://cdn.example.com/a.mp4',
  mlModels: [35, 34],
  preview: false,
  request: { video_url: 'https://cdn.example.com/a.mp4', ml_models: [35, 34], codec: 'libx265', crf: 20 },
  submittedAt,
  createdAt: submittedAt
}
const listed: TensorpixJob = {
  id: 1001,
  status: 0,
  cost_usd: '2.5000',
  started: '2026-11-24T12:00:01Z',
  preview: false,
  start_frame: null,
  end_frame: null,
  ml_models: [{ id: 34 }, { id: 35 }],
  input_video: { id: 5001, external_url: 'https://cdn.example.com/a.mp4' }
}
const echo = (extra: Record<string, unknown>) => ({ ...listed, ...extra }) as TensorpixJob

t.test('a lost create matches the upstream job it made', async t => {
  t.ok(matches(record, listed), 'same video, models (any order), options, time')
  t.notOk(matches(record, echo({ input_video: { id: 5001, external_url: 'https://cdn.example.com/b.mp4' } })), 'another video')
  t.notOk(matches(record, echo({ ml_models: [{ id: 34 }] })), 'other models')
  t.notOk(matches(record, echo({ preview: true })), 'a preview')
  t.notOk(matches(record, echo({ start_frame: 10 })), 'another segment')
  t.notOk(matches(record, echo({ started: '2026-11-24T11:50:00Z' })), 'started long before the submit')
  const upload = { ...record, source: 'upload', videoUrl: null, request: { input_video: 5001, ml_models: [34, 35] } }
  t.ok(matches(upload, listed), 'an upload create matches on the input video id')
  t.notOk(matches(upload, echo({ input_video: 5002 })), 'another upload')
})

t.test('whatever `started` means', async t => {
  t.ok(matches(record, echo({ started: null })), 'null while queued does not exclude the job')
  t.ok(matches(record, echo({ started: undefined })), 'nor does a listing without it')
  const hoursLater = echo({ started: '2026-11-24T15:00:00Z', status: 1 })
  t.ok(matches(record, hoursLater, 'processing'), 'a processing start hours after the submit (queued that long)')
  t.ok(matches(record, hoursLater, 'unknown'), 'and while the meaning is not known')
  t.notOk(matches(record, hoursLater, 'created'), 'but not when `started` is provably the creation time')
  t.equal(startedMeaning([echo({ status: 0, started: null })]), 'processing')
  t.equal(startedMeaning([echo({ status: 0 }), echo({ status: 2 })]), 'created')
  t.equal(startedMeaning([echo({ status: 2 })]), 'unknown')
})

t.test('inputs compare in a normalised form', async t => {
  t.equal(normalisedUrl('HTTPS://CDN.Example.com:443/a.mp4'), 'https://cdn.example.com/a.mp4')
  t.ok(matches(record, echo({ input_video: { id: 1, external_url: 'https://CDN.example.com:443/a.mp4' } })),
    'a normalised external_url')
  t.ok(matches(record, echo({ start_frame: 0 })), 'start_frame: omitted ≡ 0')
  t.ok(matches({ ...record, request: { ...record.request, start_frame: 0 } }, echo({ start_frame: null })), '0 ≡ null')
  t.notOk(matches(record, echo({ start_frame: 24 })), 'another start')
  t.equal(normalisedUrl('http://cdn.example.com/a/../b c.mp4#t=5'), 'http://cdn.example.com/b%20c.mp4',
    'dot segments, escapes, no fragment')
  t.ok(matches(record, echo({ end_frame: 0 })), 'end_frame: an echoed 0 is no end (it is at least 1)')
  t.ok(matches(record, echo({ end_frame: 48 })), 'an omitted end_frame echoed as the video\'s last frame')
  const segment = { ...record, request: { ...record.request, start_frame: 10, end_frame: 40 } }
  t.ok(matches(segment, echo({ start_frame: 10, end_frame: 40 })), 'a segment as sent')
  t.notOk(matches(segment, echo({ start_frame: 10, end_frame: 48 })), 'another end')
  const preview = { ...record, preview: true, request: { ...record.request, preview: true, end_frame: 90 } }
  t.ok(matches(preview, echo({ preview: true, end_frame: null })), 'end_frame is ignored on a preview')
})

t.test('an option TensorPix fills with an undocumented default of its own still matches', async t => {
  t.ok(matches(record, echo({ stabilization_smoothing: 10, comparison: false })),
    'omitted smoothing echoed as 10 (vidstab\'s default), comparison echoed')
  t.ok(matches(record, echo({ comparison: true })), 'omitted comparison echoed as true')
  const smoothed = { ...record, request: { ...record.request, stabilization_smoothing: 5 } }
  t.notOk(matches(smoothed, echo({ stabilization_smoothing: 10 })), 'but what we sent is compared')
  t.ok(matches(record, echo({ grain: 0 })), 'grain\'s documented default')
  t.notOk(matches(record, echo({ grain: 0.5 })), 'and it is compared against the default')
})

t.test('every option the listing echoes is compared, tolerant of defaults', async t => {
  t.ok(matches(record, echo({ codec: 'libx265', crf: 20, grain: 0, comparison: false })), 'the same options')
  t.ok(matches(record, echo({ codec: 'LIBX265', crf: '20' })), 'echoed in another case or as a string')
  t.notOk(matches(record, echo({ codec: 'libx264' })), 'another codec')
  t.notOk(matches(record, echo({ crf: 23 })), 'another crf')
  t.notOk(matches(record, echo({ grain: 0.5 })), 'grain: omitted is the default 0')
  t.ok(matches(record, echo({ output_resolution: 1920 })), 'an option we omitted, echoed with TensorPix\'s default')
  t.notOk(matches({ ...record, request: { ...record.request, output_resolution: 1280 } },
    echo({ output_resolution: 1920 })), 'an option we sent, echoed otherwise')
  t.ok(matches(record, echo({ codec: null })), 'an echoed null says nothing')
})

t.test('the list order is read from the ids', async t => {
  t.equal(listOrder([9, 8, 7]), 'newest')
  t.equal(listOrder([7, 8, 9]), 'oldest')
  t.equal(listOrder([7, 9, 8]), 'unknown')
  t.equal(listOrder([7]), 'unknown')
})

const open = (id: string, teamId: string, extra: Partial<OpenCreate> = {}): OpenCreate =>
  ({ ...record, id, teamId, inFlight: false, ...extra })
const kinds = (m: ReturnType<typeof assign>) => Object.fromEntries([...m].map(([id, a]) =>
  [id, a.kind === 'claim' ? `claim ${a.candidate.id}` : a.kind]))

t.test('assignment: never another team\'s, never an in-flight request\'s, never a guess', async t => {
  const one = echo({ id: 1 })
  const two = echo({ id: 2 })
  t.same(kinds(assign([open('a', 'A')], [one], 'unknown')), { a: 'claim 1' }, 'one create, one job')
  t.same(kinds(assign([open('a', 'A')], [], 'unknown')), { a: 'absent' }, 'no job')
  t.same(kinds(assign([open('a', 'A'), open('b', 'B')], [one, two], 'unknown')),
    { a: 'ambiguous', b: 'ambiguous' }, 'two teams\' identical creates: never swapped, held for an operator')
  t.same(kinds(assign([open('a', 'A'), open('b', 'B')], [one], 'unknown')),
    { a: 'ambiguous', b: 'ambiguous' }, 'two teams, one job')
  t.same(kinds(assign([open('a', 'A'), open('p', 'B', { inFlight: true })], [one], 'unknown')),
    { a: 'wait' }, 'a job an in-flight request of any team could be answered with is off limits')
  const later = new Date(submittedAt.getTime() + 1000)
  t.same(kinds(assign([open('b', 'A', { submittedAt: later }), open('a', 'A')], [two, one], 'unknown')),
    { a: 'claim 1', b: 'claim 2' }, 'one team\'s identical creates pair with identical jobs in submit order')
  t.same(kinds(assign([open('b', 'A', { submittedAt: later }), open('a', 'A')], [one], 'unknown')),
    { a: 'claim 1', b: 'absent' }, 'the later create is the one TensorPix never got')
  t.same(kinds(assign([open('a', 'A')], [one, echo({ id: 2, cost_usd: '9.0000' })], 'unknown')),
    { a: 'ambiguous' }, 'two jobs whose cost differs: the choice moves money')
  t.same(kinds(assign([open('a', 'A')], [one, echo({ id: 2, status: 2 })], 'unknown')),
    { a: 'ambiguous' }, 'two jobs whose status differs')
  const other = open('c', 'A', { videoUrl: 'https://cdn.example.com/c.mp4' })
  t.same(kinds(assign([open('a', 'A'), other], [one], 'unknown')), { a: 'claim 1', c: 'absent' },
    'a create that matches nothing does not disturb another')
})
