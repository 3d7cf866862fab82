// Reconciliation of creates whose outcome was lost: a timeout or reset after the request was sent (state
// `unknown`), or a crash between the hold and the upstream answer (a `pending` row older than the grace period).
// TensorPix has no idempotency key, so the job is looked for in TensorPix's recent jobs by what was asked (video,
// models, preview, frames) and when; found → settled like a normal create; not found after the grace → released.
// Never resubmitted.
import type { Prisma } from '../db/client.ts'
import type { Job } from '../generated/prisma/client.ts'
import { heldBy, reject, settle, cancelOverBudget } from '../jobs/settle.ts'
import { applySnapshot } from '../jobs/snapshot.ts'
import { mediaId, type TensorpixJob } from '../tensorpix/jobs.ts'
import { isTerminal, stateForStatus } from '../jobs/states.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { claimDueJobs } from './claim.ts'
import type { WorkerDeps } from './deps.ts'

export interface ReconcileOptions {
  // how long after submission an unmatched job is given up (released)
  graceMs: number
  // a pending row older than this is treated as unknown (its process died mid-create)
  stalePendingMs: number
}

const PAGE = 200
const MAX_PAGES = 50
const BATCH = 20
// TensorPix's `started` may precede our submit time by clock skew, and follow it by queueing
const MATCH_BEFORE_MS = 60_000
const MATCH_AFTER_MS = 10 * 60_000

function sameModels (asked: number[], listed: TensorpixJob['ml_models']): boolean {
  const got = (listed ?? []).map(m => m.id).sort((a, b) => a - b)
  return JSON.stringify(got) === JSON.stringify([...asked].sort((a, b) => a - b))
}

/** Whether an upstream job is the one a lost create asked for. Pure; exported for unit tests. */
export function matches (job: Pick<Job, 'source' | 'videoUrl' | 'mlModels' | 'preview' | 'request' | 'submittedAt' | 'createdAt'>, listed: TensorpixJob): boolean {
  const request = job.request as { start_frame?: number | null, end_frame?: number | null, input_video?: number | null }
  const sent = (job.submittedAt ?? job.createdAt).getTime()
  const started = listed.started ? Date.parse(listed.started) : NaN
  if (!(started >= sent - MATCH_BEFORE_MS && started <= sent + MATCH_AFTER_MS)) return false
  const input = listed.input_video
  const sameInput = job.source === 'from-url'
    ? typeof input === 'object' && input !== null && input.external_url === job.videoUrl
    : input !== undefined && mediaId(input) === request.input_video
  return sameInput &&
    sameModels(job.mlModels, listed.ml_models) &&
    (listed.preview ?? false) === job.preview &&
    (listed.start_frame ?? null) === (request.start_frame ?? null) &&
    (listed.end_frame ?? null) === (request.end_frame ?? null)
}

interface Listing { jobs: TensorpixJob[], coversSince: number }

/**
 * TensorPix's jobs, newest first, back to `since`: the whole master account shares the list, so a lost create can
 * sit many pages deep. `coversSince` says how far back the listing really reached.
 */
async function upstreamJobsSince (deps: WorkerDeps, since: number): Promise<Listing> {
  const jobs: TensorpixJob[] = []
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await deps.upstream.listJobs({ limit: PAGE, offset: page * PAGE }, { requestId: 'reconcile' })
    if (!res.ok) throw new Error(`GET /api/jobs/ answered ${res.status}`)
    const { results, next } = res.body
    jobs.push(...results)
    const oldest = Date.parse(results.at(-1)?.started ?? '')
    if (!next || results.length === 0) return { jobs, coversSince: 0 }
    if (oldest < since) return { jobs, coversSince: oldest }
  }
  return { jobs, coversSince: Date.parse(jobs.at(-1)?.started ?? '') || Infinity }
}

async function resolve (deps: WorkerDeps, job: Job, listing: Listing, options: ReconcileOptions): Promise<void> {
  const candidates = listing.jobs
  const team = await deps.db.team.findUniqueOrThrow({ where: { id: job.teamId } })
  const known = new Set((await deps.db.job.findMany({
    where: { upstreamId: { in: candidates.map(c => c.id) } }, select: { upstreamId: true }
  })).map(j => j.upstreamId))
  const found = candidates.find(c => !known.has(c.id) && matches(job, c))
  const now = deps.now()
  if (found) {
    const body = {
      id: found.id, cost_usd: found.cost_usd, input_video: mediaId(found.input_video), status: found.status
    }
    const held = heldBy(job, team)
    if (!await settle(deps.db, held, found, { status: 201, body }, now)) {
      await cancelOverBudget(deps, held, found, `reconcile-${job.id}`)
    } else if (isTerminal(stateForStatus(found.status))) {
      // the job already ended at TensorPix: its final cost, refund or output comes from the listing
      await applySnapshot(deps.db, await deps.db.job.findUniqueOrThrow({ where: { id: job.id } }), found, now)
    }
    deps.log.info({ jobId: job.id, upstreamId: found.id }, 'reconciled a lost create: found at TensorPix')
    return
  }
  const sent = (job.submittedAt ?? job.createdAt).getTime()
  // release only when the grace is over and the listing reached back far enough to have seen the job
  if (now.getTime() - sent < options.graceMs || listing.coversSince > sent - MATCH_BEFORE_MS) {
    await deps.db.job.update({ where: { id: job.id }, data: { nextSyncAt: new Date(now.getTime() + 10_000) } })
    return
  }
  await reject(deps.db, heldBy(job, team), new GatewayError('upstream_never_created'), false)
  deps.log.info({ jobId: job.id }, 'reconciled a lost create: not at TensorPix, hold released')
}

async function promoteStalePending (deps: WorkerDeps, options: ReconcileOptions): Promise<void> {
  const before = new Date(deps.now().getTime() - options.stalePendingMs)
  const where: Prisma.JobWhereInput = { state: 'pending', createdAt: { lt: before } }
  await deps.db.job.updateMany({ where, data: { state: 'unknown', nextSyncAt: deps.now(), error: 'the gateway stopped before TensorPix answered' } })
}

/** One pass over lost creates. Returns how many were examined. */
export async function reconcileLostCreates (deps: WorkerDeps, options: ReconcileOptions): Promise<number> {
  await promoteStalePending(deps, options)
  const ids = await claimDueJobs(deps.db, ['unknown'], BATCH)
  if (ids.length === 0) return 0
  const jobs = await deps.db.job.findMany({ where: { id: { in: ids }, state: 'unknown' } })
  if (jobs.length === 0) return ids.length
  const oldest = Math.min(...jobs.map(j => (j.submittedAt ?? j.createdAt).getTime()))
  const listing = await upstreamJobsSince(deps, oldest - MATCH_BEFORE_MS)
  for (const job of jobs) {
    await resolve(deps, job, listing, options).catch(err => deps.log.warn({ err, jobId: job.id }, 'reconciliation failed; retrying after the lease'))
  }
  return ids.length
}
