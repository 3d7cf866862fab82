// How long a TensorPix answer about a job is given again (src/jobs/poll-freshness.ts): a running job for the window,
// an ended one until its presigned links would have half their life left, and never past the ended-job limit.
import t from 'tap'
import { freshForMs, linkLifeLeftMs } from '../../../src/jobs/poll-freshness.ts'

const rules = { windowMs: 1000, endedMs: 5 * 60_000 }
const readAt = Date.UTC(2026, 11, 7, 12, 0, 0)
const HOUR = 3_600_000

// the simulator's links (src/simulator/media.ts), as S3 SigV4 writes them
function s3Link (signedAt: number, lifetimeS: number): string {
  const date = new Date(signedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  return `https://cdn.example/media/restored-videos/9/out.mp4?X-Amz-Date=${date}&X-Amz-Expires=${lifetimeS}&X-Amz-Signature=ab`
}

function finished (links: { file?: string | null, thumbnail?: string | null, after?: string } = {}) {
  return {
    id: 5,
    status: 2,
    input_video: { id: 3, file: null, thumbnail: null, external_url: 'https://client.example/in.mp4?X-Amz-Expires=1' },
    output_video: {
      id: 9,
      file: links.file ?? null,
      thumbnail: links.thumbnail ?? null,
      preview_videos: { before_video: '', after_video: links.after ?? '' }
    }
  }
}

t.test('what a link has left', async t => {
  t.equal(linkLifeLeftMs(s3Link(readAt, 7200), readAt), 2 * HOUR, 'S3: signed now, for two hours')
  t.equal(linkLifeLeftMs(s3Link(readAt - HOUR, 7200), readAt), HOUR, 'signed an hour before it was read: an hour left')
  t.equal(linkLifeLeftMs(s3Link(readAt + HOUR, 7200), readAt), 2 * HOUR,
    'a signing time ahead of our clock counts from the read, not from TensorPix\'s clock')
  t.equal(linkLifeLeftMs('https://storage.googleapis.com/b/o?X-Goog-Date=20261207T110000Z&X-Goog-Expires=900', readAt),
    -45 * 60_000, 'GCS: signed at 11:00 for 15 minutes, expired at 12:00')
  t.equal(linkLifeLeftMs(`https://d1.cloudfront.net/o.mp4?Expires=${readAt / 1000 + 600}&Signature=x`, readAt), 600_000,
    'CloudFront / S3 SigV2: an absolute Expires')
  t.equal(linkLifeLeftMs('https://cdn.example/o.mp4?x-amz-expires=60', readAt), 60_000, 'parameter names in any case')
  t.equal(linkLifeLeftMs('https://cdn.example/o.mp4?token=abc', readAt), null, 'no expiry it can read')
  t.equal(linkLifeLeftMs('https://cdn.example/o.mp4?X-Amz-Expires=soon', readAt), null, 'an expiry that is no number')
  t.equal(linkLifeLeftMs('not a url', readAt), null)
})

t.test('a running job: the window', async t => {
  t.equal(freshForMs({ id: 5, status: 0 }, rules, readAt), 1000, 'queued')
  t.equal(freshForMs({ id: 5, status: 1, processing_progress: 0.4 }, rules, readAt), 1000, 'processing')
  t.equal(freshForMs({ id: 5, status: 7 }, rules, readAt), 1000, 'a status TensorPix has not documented counts as running')
  t.equal(freshForMs(null, rules, readAt), 1000, 'no body to read')
})

t.test('an ended job: its links, at most the ended-job limit', async t => {
  t.equal(freshForMs(finished({ file: s3Link(readAt, 7200) }), rules, readAt), rules.endedMs,
    'links for two hours: the limit (5 minutes) comes first')
  t.equal(freshForMs(finished({ file: s3Link(readAt, 7200), thumbnail: s3Link(readAt, 240) }), rules, readAt), 120_000,
    'the shortest-lived link decides: half its four minutes')
  t.equal(freshForMs(finished({ file: s3Link(readAt, 7200), after: s3Link(readAt - 7199_000, 7200) }), rules, readAt),
    rules.windowMs, 'a preview link about to expire: read again after the window, never sooner')
  t.equal(freshForMs(finished({ file: 'https://cdn.example/o.mp4?token=abc' }), rules, readAt), rules.endedMs,
    'links that do not say when they expire: the limit')
  t.equal(freshForMs({ id: 5, status: -1, input_video: { id: 3, file: null } }, rules, readAt), rules.endedMs,
    'a failed job, no links')
  t.equal(freshForMs({ id: 5, status: -2 }, rules, readAt), rules.endedMs, 'a cancelled job')
  t.equal(freshForMs({ ...finished(), output_video: null }, rules, readAt), rules.windowMs,
    'finished, its output not reported yet: the window, so the output is seen (and owned) as soon as it shows')
  t.equal(freshForMs(finished(), rules, readAt), rules.windowMs,
    'finished, its output reported with `file: null` (still being copied to storage, API.md §7.1): the window')
  t.equal(freshForMs({ ...finished(), output_video: { file: s3Link(readAt, 7200) } }, rules, readAt), rules.windowMs,
    'an output object without an id is no output yet')
  t.equal(freshForMs({ ...finished(), output_video: 9 }, rules, readAt), rules.windowMs,
    'an output as a bare id carries no link yet')
  const deleted = { ...finished({ file: s3Link(readAt, 7200) }).output_video, deleted: '2026-12-07T11:00:00Z' }
  t.equal(freshForMs({ ...finished(), output_video: deleted }, rules, readAt), rules.windowMs,
    'an output marked deleted: its links are dead, nothing to keep the answer for')
  t.equal(freshForMs(finished({ file: s3Link(readAt, 7200) }), { windowMs: 1000, endedMs: 10 * HOUR }, readAt), HOUR,
    'with a longer limit, half the links\' life')
})

t.test('a body with a great many links: no stack overflow', async t => {
  const extra = Array.from({ length: 200_000 }, () => ({ file: s3Link(readAt, 240) }))
  const many = { ...finished({ file: s3Link(readAt, 7200) }), extra }
  t.equal(freshForMs(many, rules, readAt), 120_000)
})
