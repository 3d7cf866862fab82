// This replica's memory of what TensorPix last answered about each job, so that polls do not spend the one master
// token's rate limit that every team shares (issue 19). Every read of a job from TensorPix goes through it — a
// client's GET, the job list, the status sync (record) — and:
// - an answer read less than the freshness window ago (poll-freshness.ts: JOB_REFRESH_MS for a running job, longer
//   for an ended one) is given again, so a client never sees a job older than that window;
// - concurrent reads of one job share one call (single flight): N pollers make one upstream GET, and wait for it;
// - an answer is kept only once the call's own work is done (the route applies it to the record, settling a
//   terminal status), so an answer from memory never shows a status the record has not taken;
// - a failed read is shared and kept for the window too: a storm of polls against a TensorPix answering 429 makes
//   one call per job per window, not one per poll. Only TensorPix's failures are kept, not the gateway's own (a
//   database error applying the answer): those reach the polls that shared the call, and the next poll tries again.
// Replicas keep their own memories and never consult each other: another replica's read (or settlement) shows here
// after at most the window, when this replica asks TensorPix itself. A window of 0 turns all of it off.
import type { Answer } from '../upstream/tensorpix.ts'
import { UpstreamFailure } from '../upstream/client.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { MediaKind } from '../generated/prisma/enums.ts'
import { mediaId, type TensorpixJob } from '../tensorpix/jobs.ts'
import { freshForMs, type FreshnessRules } from './poll-freshness.ts'

// The bound is on the answers' text, whatever its size (a running job's answer is ~1 KB in the simulator, a finished
// one's ~2.2 KB with its links; real presigned links can be longer): 16 Mi characters, about 16 MB (twice that for
// text beyond Latin-1), some 7,000 finished or 15,000 running jobs. A job pushed out is read afresh when next polled.
export const DEFAULT_MAX_CHARS = 16 * 1024 * 1024
// what an entry costs besides its text (the entry, its key, its media list), counted against the bound
const ENTRY_CHARS = 256

export interface PollOptions extends FreshnessRules {
  maxChars?: number
  now?: () => number
}

/** One read of a job from TensorPix and what it took to use it: the answer, applied to the record. */
export type Refresh = () => Promise<Answer<TensorpixJob>>

type Outcome = { ok: true, text: string } | { ok: false, error: unknown }

interface Entry {
  // null once forgotten (forgetMedia): then readAt is when, and no read sent before it is kept
  outcome: Outcome | null
  // when the call behind it was made (sent): the answer is at least this recent
  readAt: number
  freshUntil: number
  // the last read that got the job (a failed one does not count as a poll for the status sync), or null
  answeredAt: number | null
  // the media objects the answer shows (mediaKey): deleting one through the gateway changes the job's answer
  media: string[]
}

const mediaKey = (kind: MediaKind, upstreamId: number) => `${kind}:${upstreamId}`

function mediaOf (body: unknown): string[] {
  if (body === null || typeof body !== 'object') return []
  const job = body as TensorpixJob
  const input = mediaId(job.input_video)
  const output = mediaId(job.output_video)
  return [...(input === null ? [] : [mediaKey('video', input)]), ...(output === null ? [] : [mediaKey('restored_video', output)])]
}

interface Flight { startedAt: number, text: Promise<string> }

const charsOf = (entry: Entry) => ENTRY_CHARS + (entry.outcome?.ok ? entry.outcome.text.length : 0)

function given (outcome: Outcome): string {
  if (!outcome.ok) throw outcome.error
  return outcome.text
}

export class JobPolls {
  // insertion order is recency of use: the least recently polled jobs go first when full
  private readonly entries = new Map<number, Entry>()
  private readonly flights = new Map<number, Flight>()
  private readonly maxChars: number
  private readonly now: () => number
  private chars = 0

  constructor (private readonly rules: PollOptions) {
    this.maxChars = rules.maxChars ?? DEFAULT_MAX_CHARS
    this.now = rules.now ?? Date.now
  }

  /** Whether answers are kept at all (JOB_REFRESH_MS > 0). */
  get enabled (): boolean {
    return this.rules.windowMs > 0
  }

  /**
   * The job's answer text: from memory while fresh, else from the read in flight if it began within the window,
   * else from a new read. `force` (after a cancel, which changes the job) always makes a new read; an older read
   * that ends after it never replaces its answer.
   */
  read (upstreamId: number, refresh: Refresh, options: { force?: boolean } = {}): Promise<string> {
    if (!this.enabled) return refresh().then(answer => answer.text)
    const now = this.now()
    if (!options.force) {
      const entry = this.entries.get(upstreamId)
      if (entry?.outcome && now < entry.freshUntil) {
        this.touch(upstreamId, entry)
        return Promise.resolve(entry.outcome).then(given)
      }
      const flight = this.flights.get(upstreamId)
      if (flight && now - flight.startedAt < this.rules.windowMs) return flight.text
    }
    return this.fly(upstreamId, refresh, now)
  }

  /** Keeps an answer read (and applied) elsewhere, the status sync's: this replica's polls are answered with it. */
  record (upstreamId: number, answer: Answer<TensorpixJob>, readAt: number): void {
    if (this.enabled) this.keep(upstreamId, { ok: true, text: answer.text }, answer, readAt)
  }

  /**
   * Forgets the answers that show a media object this replica just deleted at TensorPix (a client's DELETE, the
   * retention worker), so that no poll is answered with its dead links: what is kept in their place says when they
   * were forgotten, and a read sent before that (in flight during the delete) is not kept when it lands, as after a
   * forced read. Another replica's answers show the delete when they are next read, at most JOB_ENDED_REFRESH_MS
   * later. Scans every entry: deletes are rare.
   */
  forgetMedia (kind: MediaKind, upstreamId: number): void {
    const key = mediaKey(kind, upstreamId)
    const now = this.now()
    const showing = [...this.entries].filter(([, entry]) => entry.media.includes(key))
    for (const [jobId, entry] of showing) {
      this.touch(jobId, { outcome: null, readAt: now, freshUntil: -Infinity, answeredAt: entry.answeredAt, media: [] })
    }
  }

  /** When this replica last read the job from TensorPix with an answer (ms), or null: the status sync counts it. */
  lastReadAt (upstreamId: number): number | null {
    return this.entries.get(upstreamId)?.answeredAt ?? null
  }

  get size (): number {
    return this.entries.size
  }

  private fly (upstreamId: number, refresh: Refresh, startedAt: number): Promise<string> {
    const text = refresh().then(
      answer => given(this.keep(upstreamId, { ok: true, text: answer.text }, answer, startedAt)),
      (error: unknown) => {
        // TensorPix's refusal or silence is kept for the window; a failure of the gateway's own (the record could not
        // be written) is no answer of TensorPix's, and the next poll tries again
        if (!(error instanceof GatewayError || error instanceof UpstreamFailure)) throw error
        return given(this.keep(upstreamId, { ok: false, error }, null, startedAt))
      }
    )
    const flight = { startedAt, text }
    this.flights.set(upstreamId, flight)
    const land = () => { if (this.flights.get(upstreamId) === flight) this.flights.delete(upstreamId) }
    text.then(land, land)
    return text
  }

  /** Keeps the outcome unless a later read's is kept already; returns the outcome this read's callers get. */
  private keep (upstreamId: number, outcome: Outcome, answer: Answer<TensorpixJob> | null, readAt: number): Outcome {
    const kept = this.entries.get(upstreamId)
    if (kept && kept.readAt > readAt) return outcome
    const answered = answer !== null && answer.ok
    const freshFor = answered ? freshForMs(answer.body, this.rules, readAt) : this.rules.windowMs
    this.touch(upstreamId, {
      outcome,
      readAt,
      freshUntil: readAt + freshFor,
      answeredAt: answered ? readAt : kept?.answeredAt ?? null,
      media: answered ? mediaOf(answer.body) : []
    })
    return outcome
  }

  private touch (upstreamId: number, entry: Entry): void {
    const kept = this.entries.get(upstreamId)
    if (kept) this.drop(upstreamId, kept)
    this.entries.set(upstreamId, entry)
    this.chars += charsOf(entry)
    for (const [oldest, old] of this.entries) {
      if (this.chars <= this.maxChars || oldest === upstreamId) break
      this.drop(oldest, old)
    }
  }

  private drop (upstreamId: number, entry: Entry): void {
    this.entries.delete(upstreamId)
    this.chars -= charsOf(entry)
  }
}
