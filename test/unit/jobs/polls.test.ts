// This replica's memory of TensorPix's answers about jobs (src/jobs/polls.ts): single flight, the freshness window,
// shared failures, ended jobs, forced reads, the status sync's records, and the bound. The clock is the test's.
import t from 'tap'
import { JobPolls, type PollOptions } from '../../../src/jobs/polls.ts'
import type { Answer } from '../../../src/upstream/tensorpix.ts'
import type { TensorpixJob } from '../../../src/tensorpix/jobs.ts'
import { GatewayError } from '../../../src/errors/gateway-error.ts'

const WINDOW = 1000
const ENDED = 5 * 60_000

function answer (body: TensorpixJob): Answer<TensorpixJob> {
  const text = JSON.stringify(body)
  return { ok: true, status: 200, headers: {}, body, text }
}

const running = (progress: number) => answer({ id: 5, status: 1, processing_progress: progress })
const finished = answer({ id: 5, status: 2, input_video: { id: 3 }, output_video: { id: 9, file: 'https://cdn.example/out.mp4' } })

/** A memory on the test's clock, and a refresh that counts its calls and answers when the test says. */
function bed (options: Partial<PollOptions> = {}) {
  let now = 0
  const polls = new JobPolls({ windowMs: WINDOW, endedMs: ENDED, now: () => now, ...options })
  let calls = 0
  const pending: Array<{ resolve: (a: Answer<TensorpixJob>) => void, reject: (e: unknown) => void }> = []
  const refresh = () => {
    calls++
    return new Promise<Answer<TensorpixJob>>((resolve, reject) => pending.push({ resolve, reject }))
  }
  const at = (ms: number) => { now = ms }
  /** answers the oldest call still open (or the newest) */
  const land = async (outcome: Answer<TensorpixJob> | Error, which: 'oldest' | 'newest' = 'oldest') => {
    const call = which === 'oldest' ? pending.shift() : pending.pop()
    if (!call) throw new Error('no call in flight')
    if (outcome instanceof Error) call.reject(outcome)
    else call.resolve(outcome)
    await new Promise(resolve => setImmediate(resolve))
  }
  const read = (id = 5, force = false) => polls.read(id, refresh, { force })
  return { polls, read, at, land, calls: () => calls }
}

t.test('concurrent polls of one job make one call, and every one of them gets its answer', async t => {
  const b = bed()
  const polls = Array.from({ length: 1000 }, () => b.read())
  t.equal(b.calls(), 1, 'one call for a thousand polls')
  await b.land(running(0.1))
  const texts = await Promise.all(polls)
  t.ok(texts.every(text => text === running(0.1).text), 'all answered with TensorPix\'s text, as it came')
  const other = b.read(6)
  t.equal(b.calls(), 2, 'another job is another call')
  await b.land(answer({ id: 6, status: 0 }))
  await other
})

t.test('within the window from memory, never older than the window', async t => {
  const b = bed()
  const first = b.read()
  b.at(600)
  await b.land(running(0.1))
  t.equal(await first, running(0.1).text)
  b.at(999)
  t.equal(await b.read(), running(0.1).text, 'asked at 0, answered at 600: still fresh at 999')
  t.equal(b.calls(), 1)
  b.at(1000)
  const second = b.read()
  t.equal(b.calls(), 2, 'a window after the call was made (not after its answer), TensorPix is asked again')
  await b.land(running(0.2))
  t.equal(await second, running(0.2).text)
})

t.test('a poll joins a call in flight only if it began within the window', async t => {
  const b = bed()
  const slow = b.read()
  b.at(900)
  const joined = b.read()
  t.equal(b.calls(), 1, 'joined at 900')
  b.at(1200)
  const fresh = b.read()
  t.equal(b.calls(), 2, 'at 1200 the call of 0 is too old to wait for: a new one')
  await b.land(running(0.1))
  await b.land(running(0.3))
  t.equal(await slow, running(0.1).text)
  t.equal(await joined, running(0.1).text)
  t.equal(await fresh, running(0.3).text)
  t.equal(await b.read(), running(0.3).text, 'the newer answer is the one kept')
})

t.test('JOB_REFRESH_MS=0: every poll asks TensorPix, none waits for another\'s call', async t => {
  const b = bed({ windowMs: 0 })
  const polls = [b.read(), b.read(), b.read()]
  t.equal(b.calls(), 3)
  for (const progress of [0.1, 0.2, 0.3]) await b.land(running(progress))
  t.same(await Promise.all(polls), [running(0.1).text, running(0.2).text, running(0.3).text])
  const next = b.read()
  t.equal(b.calls(), 4, 'nothing kept')
  await b.land(finished)
  await next
  const after = b.read()
  t.equal(b.calls(), 5, 'not even an ended job')
  await b.land(finished)
  await after
  b.polls.record(5, finished, 0)
  t.equal(b.polls.size, 0, 'records are not kept either')
  t.equal(b.polls.lastReadAt(5), null)
})

t.test('a failed read is shared and kept for the window: a 429 storm makes one call per window', async t => {
  const b = bed()
  const first = b.read()
  await b.land(running(0.1))
  await first
  b.at(1000)
  const polls = Array.from({ length: 50 }, () => b.read().then(() => null, (err: unknown) => err))
  const throttled = new GatewayError('upstream_throttled')
  await b.land(throttled)
  const errors = await Promise.all(polls)
  t.ok(errors.every(err => err === throttled), 'all fifty get the failure of the one call')
  b.at(1500)
  t.equal(await b.read().then(() => null, (err: unknown) => err), throttled, 'and so does a poll within the window')
  t.equal(b.calls(), 2)
  t.equal(b.polls.lastReadAt(5), 0, 'a failed read is no read for the status sync: the last answer was at 0')
  b.at(2000)
  const retry = b.read()
  t.equal(b.calls(), 3, 'after the window, TensorPix is asked again')
  await b.land(running(0.2))
  t.equal(await retry, running(0.2).text)
})

t.test('a failure of the gateway\'s own (the record could not be written) is not kept for the window', async t => {
  const b = bed()
  const first = b.read()
  const database = new Error('connection to the database lost')
  await b.land(database)
  t.equal(await first.then(() => null, (err: unknown) => err), database, 'the read fails')
  b.at(100)
  const retry = b.read()
  t.equal(b.calls(), 2, 'the next poll tries again: it was no answer from TensorPix')
  await b.land(running(0.2))
  t.equal(await retry, running(0.2).text)
})

t.test('an ended job is not asked again until its limit', async t => {
  const b = bed()
  const first = b.read()
  await b.land(finished)
  await first
  for (const ms of [1000, 60_000, ENDED - 1]) {
    b.at(ms)
    t.equal(await b.read(), finished.text, `from memory at ${ms} ms`)
  }
  t.equal(b.calls(), 1)
  b.at(ENDED)
  const again = b.read()
  t.equal(b.calls(), 2, 'asked again at the limit (its links may be about to expire)')
  await b.land(finished)
  await again
})

t.test('a forced read (after a cancel) asks TensorPix, and an older read never replaces its answer', async t => {
  const b = bed()
  const before = b.read()
  b.at(100)
  const forced = b.read(5, true)
  t.equal(b.calls(), 2, 'the read in flight is not joined')
  const cancelled = answer({ id: 5, status: -2 })
  await b.land(running(0.5))
  await b.land(cancelled)
  t.equal(await before, running(0.5).text, 'the older read answers its own callers')
  t.equal(await forced, cancelled.text)
  b.at(200)
  t.equal(await b.read(), cancelled.text, 'memory keeps the newer answer')

  const later = bed()
  const slow = later.read()
  later.at(100)
  const quick = later.read(5, true)
  await later.land(cancelled, 'newest')
  await later.land(running(0.5))
  t.equal(await slow, running(0.5).text)
  t.equal(await quick, cancelled.text)
  later.at(300)
  t.equal(await later.read(), cancelled.text, 'the forced answer came first; the older one, landing after it, is not kept')
})

t.test('the status sync\'s reads answer polls, and polls count as its reads', async t => {
  const b = bed()
  b.at(500)
  b.polls.record(5, running(0.4), 400)
  t.equal(await b.read(), running(0.4).text, 'a poll after the sync\'s read is answered with it')
  t.equal(b.calls(), 0)
  t.equal(b.polls.lastReadAt(5), 400, 'when the read was made')
  b.polls.record(5, running(0.1), 300)
  t.equal(await b.read(), running(0.4).text, 'an older record does not replace a newer answer')
  b.at(1400)
  const poll = b.read()
  await b.land(running(0.6))
  await poll
  t.equal(b.polls.lastReadAt(5), 1400, 'a poll\'s read is the sync\'s last read')
})

t.test('a deleted output (or input) forgets the answers that show it', async t => {
  const b = bed()
  const first = b.read(5)
  await b.land(finished)
  await first
  const other = b.read(6)
  await b.land(answer({ id: 6, status: 2, input_video: { id: 4 }, output_video: { id: 10 } }))
  await other
  b.polls.forgetMedia('restored_video', 9)
  const again = b.read(5)
  t.equal(b.calls(), 3, 'job 5 showed enhanced video 9: asked again')
  await b.land(answer({ id: 5, status: 2, input_video: { id: 3 }, output_video: null }))
  await again
  b.polls.forgetMedia('video', 9)
  await b.read(6)
  t.equal(b.calls(), 3, 'an uploaded video 9 is another object: job 6 from memory')
  b.polls.forgetMedia('video', 4)
  const sixth = b.read(6)
  t.equal(b.calls(), 4, 'job 6 showed uploaded video 4 as its input: asked again')
  await b.land(answer({ id: 6, status: 2, input_video: null, output_video: { id: 10, file: 'https://cdn.example/10.mp4' } }))
  await sixth
})

t.test('a read in flight when the media was deleted does not bring its dead links back', async t => {
  const b = bed()
  const first = b.read()
  await b.land(finished)
  await first
  b.at(ENDED)
  const inFlight = b.read()
  b.at(ENDED + 100)
  b.polls.forgetMedia('restored_video', 9)
  await b.land(finished)
  t.equal(await inFlight, finished.text, 'the read answers its own callers')
  const after = b.read()
  t.equal(b.calls(), 3, 'but is not kept: it was sent before the delete, so the next poll asks TensorPix')
  const gone = answer({ id: 5, status: 2, input_video: { id: 3 }, output_video: null })
  await b.land(gone)
  t.equal(await after, gone.text)
  t.equal(await b.read(), gone.text, 'a read sent after the delete is kept')
  t.equal(b.calls(), 3)
  t.equal(b.polls.lastReadAt(5), ENDED + 100, 'and is the sync\'s last read')
})

t.test('bounded by the answers\' text: the least recently polled jobs go first', async t => {
  const job = (id: number) => answer({ id, status: 1, processing_progress: 0.123456 })
  const perEntry = 256 + job(1).text.length
  const b = bed({ maxChars: 3 * perEntry })
  for (const id of [1, 2, 3]) b.polls.record(id, job(id), 0)
  t.equal(b.polls.size, 3, 'three fit')
  t.equal(await b.read(1), job(1).text, 'job 1 polled again: now the most recent')
  b.polls.record(4, job(4), 0)
  t.equal(b.polls.size, 3)
  t.equal(b.polls.lastReadAt(2), null, 'job 2 went')
  t.equal(b.polls.lastReadAt(1), 0, 'job 1 stayed')
  b.polls.record(5, answer({ id: 5, status: 1, description: 'x'.repeat(2 * perEntry) } as TensorpixJob), 0)
  t.equal(b.polls.size, 1, 'an answer as large as the bound pushes every other out')
  t.equal(b.polls.lastReadAt(5), 0, 'and is kept itself')
  b.polls.record(5, job(5), 1)
  b.polls.record(6, job(6), 0)
  t.equal(b.polls.size, 2, 'replacing it gave its room back')
})
