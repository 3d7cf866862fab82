// The pure decisions of reconciliation: which upstream job a lost create could be, and which lost create may take
// which job. TensorPix has no idempotency key and documents little about its job list (API.md §2.2, §4.2: order
// undocumented, `started` is "start/creation time", echoes may be normalised), so everything here tolerates every
// reading of it, and a doubt keeps the hold instead of guessing.
import type { Job } from '../generated/prisma/client.ts'
import { mediaId, type TensorpixJob } from '../tensorpix/jobs.ts'

// TensorPix's clock may run behind ours: a job may look `started` a little before our submit time
export const MATCH_BEFORE_MS = 60_000
// when `started` provably is the creation time, a job created long after the submit is another request's
export const MATCH_AFTER_MS = 10 * 60_000

export type StartedMeaning = 'created' | 'processing' | 'unknown'

export type MatchRecord = Pick<Job, 'source' | 'videoUrl' | 'mlModels' | 'preview' | 'request' | 'submittedAt' |
'createdAt'>

/** When the create was sent: TensorPix cannot have made its job before this (less clock skew). */
export function sentAt (job: Pick<Job, 'submittedAt' | 'createdAt'>): number {
  return (job.submittedAt ?? job.createdAt).getTime()
}

/**
 * A URL as WHATWG serialises it (case of scheme and host, punycode, default port, dot segments, escapes), without
 * the fragment (never sent to a server, so TensorPix may drop it); the text itself if unparsable.
 */
export function normalisedUrl (url: string): string {
  try {
    const parsed = new URL(url.trim())
    parsed.hash = ''
    return parsed.href
  } catch {
    return url.trim()
  }
}

type OptionValue = string | number | boolean | null | undefined

// Every option we may send, with its documented default where there is one (API.md §4.4): an omitted option and an
// echoed null then compare as that default. An option without a documented default is compared only when both
// sides name it, because TensorPix may echo its own default for what we left out (an omitted end_frame may come
// back as the video's last frame).
const OPTION_DEFAULTS: Record<string, OptionValue> = {
  preview: false,
  start_frame: 0,
  end_frame: undefined,
  grain: 0,
  // undocumented defaults (ffmpeg's vidstab, for one, smooths 10 by default): a guess here would make a job's own
  // echo fail to match, and release a create TensorPix ran
  comparison: undefined,
  stabilization_smoothing: undefined,
  codec: undefined,
  crf: undefined,
  container: undefined,
  chroma_subsampling: undefined,
  output_resolution: undefined,
  target_fps: undefined,
  playback_speed: undefined,
  sharpen_strength: undefined
}
const NONE = Symbol('no value')

function normalisedOption (name: string, value: unknown): OptionValue | typeof NONE {
  const fallback = OPTION_DEFAULTS[name]
  if (value === undefined || value === null || value === '') return fallback === undefined ? NONE : fallback
  // end_frame is at least 1: a 0 can only be an echo of "no end"
  if (name === 'end_frame' && value === 0) return null
  if (typeof value === 'string') {
    const number = Number(value)
    return value.trim() !== '' && Number.isFinite(number) ? number : value.trim().toLowerCase()
  }
  return value as OptionValue
}

function sameOption (name: string, sent: unknown, listed: unknown): boolean {
  const a = normalisedOption(name, sent)
  const b = normalisedOption(name, listed)
  if (a === NONE || b === NONE) return true
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) < 1e-9
  return a === b
}

function sameModels (asked: number[], listed: TensorpixJob['ml_models']): boolean {
  const got = (listed ?? []).map(m => m.id).sort((a, b) => a - b)
  return JSON.stringify(got) === JSON.stringify([...asked].sort((a, b) => a - b))
}

function sameInput (job: MatchRecord, listed: TensorpixJob): boolean {
  const input = listed.input_video
  if (job.source === 'from-url') {
    const url = typeof input === 'object' && input !== null ? input.external_url : null
    return typeof url === 'string' && job.videoUrl !== null && normalisedUrl(url) === normalisedUrl(job.videoUrl)
  }
  const asked = (job.request as { input_video?: number | null }).input_video
  return input !== undefined && mediaId(input) === asked
}

function sameOptions (job: MatchRecord, listed: TensorpixJob): boolean {
  const request = job.request as Record<string, unknown>
  const echoed = listed as unknown as Record<string, unknown>
  const preview = (request.preview ?? job.preview) === true
  return Object.keys(OPTION_DEFAULTS)
    // TensorPix ignores end_frame on a preview, so whatever it echoes there says nothing
    .filter(name => !(name === 'end_frame' && preview))
    // an option the listing does not carry at all cannot tell two jobs apart
    .filter(name => name in echoed)
    .every(name => sameOption(name, request[name], echoed[name]))
}

function inTimeWindow (job: MatchRecord, listed: TensorpixJob, meaning: StartedMeaning): boolean {
  // null while queued (when `started` is the processing start): the time cannot exclude the job
  if (listed.started == null) return true
  const started = Date.parse(listed.started)
  if (Number.isNaN(started)) return true
  const sent = sentAt(job)
  // created, and so started, no earlier than the submit
  if (started < sent - MATCH_BEFORE_MS) return false
  // a processing start can follow the submit by hours of queueing; a creation time cannot
  return meaning !== 'created' || started <= sent + MATCH_AFTER_MS
}

/** Whether an upstream job could be the one a lost create asked for. */
export function matches (job: MatchRecord, listed: TensorpixJob, meaning: StartedMeaning = 'unknown'): boolean {
  return inTimeWindow(job, listed, meaning) &&
    sameInput(job, listed) &&
    sameModels(job.mlModels, listed.ml_models) &&
    sameOptions(job, listed)
}

/** What `started` means, as far as the listing shows: a queued job has a creation time but no processing start. */
export function startedMeaning (jobs: TensorpixJob[]): StartedMeaning {
  const queued = jobs.filter(j => j.status === 0)
  if (queued.some(j => j.started == null)) return 'processing'
  if (queued.some(j => j.started != null)) return 'created'
  return 'unknown'
}

export type ListOrder = 'newest' | 'oldest' | 'unknown'

/** The order of a listing from the ids it shows (TensorPix numbers jobs as it creates them). */
export function listOrder (ids: number[]): ListOrder {
  if (ids.length < 2) return 'unknown'
  const rising = ids.every((id, i) => i === 0 || id > (ids[i - 1] as number))
  const falling = ids.every((id, i) => i === 0 || id < (ids[i - 1] as number))
  return rising ? 'oldest' : falling ? 'newest' : 'unknown'
}

/**
 * Whether a job in a list ordered by creation proves that everything past it was created before `since`: `started`
 * is the creation or a later processing start, so a `started` before `since` means created before `since`.
 */
export function startedBefore (job: TensorpixJob, since: number): boolean {
  return job.started != null && Date.parse(job.started) < since
}

/** An open create (pending or unknown) of any team, as the assignment sees it. */
export interface OpenCreate extends MatchRecord {
  id: string
  teamId: string
  // pending and not stale: its own request may still answer with one of the candidates
  inFlight: boolean
}

export type Assignment =
  | { kind: 'claim', candidate: TensorpixJob }
  // no candidate at all: released once the grace is over and the listing covered its time
  | { kind: 'absent' }
  // its candidates may belong to a request still in flight: asked again later
  | { kind: 'wait', reason: string }
  // more than one reading fits and the choice moves money: kept held for an operator
  | { kind: 'ambiguous', reason: string }

function bySubmit (a: OpenCreate, b: OpenCreate): number {
  return sentAt(a) - sentAt(b) || a.id.localeCompare(b.id)
}

// jobs that differ in cost or status would put different money on whichever create takes them
function sameMoney (jobs: TensorpixJob[]): boolean {
  return jobs.every(j => j.cost_usd === jobs[0]?.cost_usd && j.status === jobs[0]?.status)
}

interface Linked { record: OpenCreate, candidates: TensorpixJob[] }

/**
 * Decides, for every open create that is not in flight, which unowned upstream job it takes. A job an in-flight
 * create could be answered with is off limits; creates and jobs linked by a possible match form a group, and a group
 * is decided only when one team's interchangeable creates face interchangeable jobs (paired in submit order and
 * creation order: the money is the same whichever way). Anything else is ambiguous.
 */
export function assign (open: OpenCreate[], unowned: TensorpixJob[], meaning: StartedMeaning): Map<string, Assignment> {
  const matched = new Map(open.map(r => [r.id, unowned.filter(c => matches(r, c, meaning))]))
  const blocked = new Set(open.filter(r => r.inFlight).flatMap(r => (matched.get(r.id) ?? []).map(c => c.id)))
  const decisions = new Map<string, Assignment>()
  const free: Linked[] = []
  for (const record of open.filter(r => !r.inFlight)) {
    const all = matched.get(record.id) ?? []
    const candidates = all.filter(c => !blocked.has(c.id))
    if (all.length === 0) decisions.set(record.id, { kind: 'absent' })
    else if (candidates.length === 0) {
      decisions.set(record.id, { kind: 'wait', reason: 'a create still in flight may be answered with its match' })
    } else free.push({ record, candidates })
  }
  for (const group of groups(free)) decideGroup(group, decisions)
  return decisions
}

/** Creates linked through shared candidates (the connected components of the match graph). */
function groups (free: Linked[]): Linked[][] {
  const seen = new Set<Linked>()
  const result: Linked[][] = []
  for (const start of free) {
    if (seen.has(start)) continue
    const group = [start]
    seen.add(start)
    for (let i = 0; i < group.length; i++) {
      const ids = new Set((group[i] as Linked).candidates.map(c => c.id))
      for (const other of free) {
        if (!seen.has(other) && other.candidates.some(c => ids.has(c.id))) {
          seen.add(other)
          group.push(other)
        }
      }
    }
    result.push(group)
  }
  return result
}

function decideGroup (group: Linked[], decisions: Map<string, Assignment>): void {
  const candidates = [...new Map(group.flatMap(l => l.candidates).map(c => [c.id, c])).values()]
    .sort((a, b) => a.id - b.id)
  const teams = new Set(group.map(l => l.record.teamId))
  const interchangeable = group.every(l => l.candidates.length === candidates.length) && sameMoney(candidates)
  if (teams.size > 1 || !interchangeable) {
    const jobs = candidates.map(c => c.id).join(', ')
    const reason = teams.size > 1
      ? `TensorPix jobs ${jobs} match lost creates of ${teams.size} teams`
      : group.length === 1
        ? `TensorPix jobs ${jobs} all match it and differ in cost or status`
        : `TensorPix jobs ${jobs} match ${group.length} lost creates of the team in ways that change the money`
    for (const { record } of group) decisions.set(record.id, { kind: 'ambiguous', reason })
    return
  }
  group.map(l => l.record).sort(bySubmit).forEach((record, i) => {
    const candidate = candidates[i]
    decisions.set(record.id, candidate ? { kind: 'claim', candidate } : { kind: 'absent' })
  })
}
