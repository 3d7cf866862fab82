// How long one TensorPix answer about a job may be given again instead of asking TensorPix afresh (src/jobs/polls.ts).
// A running job changes from one poll to the next, so its answer is good for the freshness window. An ended job no
// longer changes, but the presigned links in its answer (output_video.file and the like) expire, and a client must
// get links it can still download from. TensorPix documents that they expire, not when (../shared/tensorpix/API.md
// §6.1, §7.1), so an ended job's answer is kept for a fixed, conservative limit, shortened when a link carries the
// expiry of a documented presigned-URL scheme (S3 and GCS: signing time and lifetime; S3 SigV2 and CloudFront: an
// absolute `Expires`) and would have less than half its life left. Pure.
import type { MediaRef, TensorpixJob } from '../tensorpix/jobs.ts'
import { mediaId } from '../tensorpix/jobs.ts'
import { isTerminal, stateForStatus } from './states.ts'

export interface FreshnessRules {
  /** JOB_REFRESH_MS: how long a running job's answer is given again */
  windowMs: number
  /** JOB_ENDED_REFRESH_MS: the longest an ended job's answer is given again */
  endedMs: number
}

// the fields API.md calls presigned links (§6.1, §7.1, §12); `external_url` is the client's own source, not ours
const LINK_FIELDS = new Set(['file', 'thumbnail', 'before_video', 'after_video'])
// Media nests two levels deep in a job (output_video.preview_videos.after_video); deeper is none of TensorPix's
const LINK_DEPTH = 4

function param (query: URLSearchParams, name: string): string | null {
  for (const [key, value] of query) if (key.toLowerCase() === name) return value
  return null
}

// 20260101T120000Z, as X-Amz-Date and X-Goog-Date write the signing time
function signingTime (value: string | null): number | null {
  const m = value?.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/)
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : null
}

const seconds = (value: string | null) => value !== null && /^\d{1,10}$/.test(value) ? Number(value) * 1000 : null

/**
 * How long a presigned link has left at `at` (ms, negative once expired), or null when it carries no expiry the
 * gateway can read. A link signed before `at` has lived part of its lifetime already; one whose signing time is
 * ahead of `at` (TensorPix's clock ahead of ours) is counted from `at`.
 */
export function linkLifeLeftMs (link: string, at: number): number | null {
  let query: URLSearchParams
  try {
    query = new URL(link).searchParams
  } catch {
    return null
  }
  for (const scheme of ['x-amz', 'x-goog']) {
    const lifetime = seconds(param(query, `${scheme}-expires`))
    if (lifetime === null) continue
    const signed = signingTime(param(query, `${scheme}-date`)) ?? at
    return Math.min(signed, at) + lifetime - at
  }
  const expires = seconds(param(query, 'expires'))
  return expires === null ? null : expires - at
}

function linksOf (value: unknown, depth: number, into: string[]): string[] {
  if (depth === 0 || value === null || typeof value !== 'object') return into
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === 'string' && LINK_FIELDS.has(key)) into.push(inner)
    else linksOf(inner, depth - 1, into)
  }
  return into
}

/**
 * Whether a finished job's answer shows an output the client can download. Until it does the answer is still
 * changing: the output may be reported a poll or more late (and is the team's from the answer that shows it), and
 * its `file` is null while TensorPix copies it to storage (API.md §6.1, §7.1). A deleted output's links are dead.
 */
function hasDownload (output: MediaRef | undefined): boolean {
  if (output == null || typeof output !== 'object' || mediaId(output) === null) return false
  return typeof output.file === 'string' && output.file !== '' && output.deleted == null
}

/** How long after `readAt` (when TensorPix was asked) its answer about the job may be given again, in ms. */
export function freshForMs (body: unknown, rules: FreshnessRules, readAt: number): number {
  if (body === null || typeof body !== 'object') return rules.windowMs
  const job = body as TensorpixJob
  const state = stateForStatus(job.status)
  if (!isTerminal(state) || (state === 'finished' && !hasDownload(job.output_video))) return rules.windowMs
  let fresh = rules.endedMs
  // a loop, not Math.min(...lives): a body with a great many links would overflow the stack as arguments
  for (const link of linksOf(job, LINK_DEPTH, [])) {
    const left = linkLifeLeftMs(link, readAt)
    if (left !== null) fresh = Math.min(fresh, left / 2)
  }
  return Math.max(rules.windowMs, fresh)
}
