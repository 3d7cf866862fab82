// Reconciliation of creates whose outcome was lost: a timeout or reset after the request was sent (state
// `unknown`), or a crash between the hold and the upstream answer (a `pending` row older than STALE_PENDING_MS).
// TensorPix has no idempotency key, so the job is looked for in TensorPix's job list by what was asked and when
// (reconcile-match.ts decides, whatever the list's order and whatever `started` means); found → settled like a
// normal create; provably not there after the grace → released; a doubt → held for an operator. Never resubmitted.
import type { Prisma } from '../db/client.ts'
import type { Job } from '../generated/prisma/client.ts'
import { heldBy, reject, settle, cancelOverBudget } from '../jobs/settle.ts'
import { applySnapshot } from '../jobs/snapshot.ts'
import { heldForOperator, holdForOperator } from '../jobs/operator-hold.ts'
import { mediaId, type Page, type TensorpixJob } from '../tensorpix/jobs.ts'
import { isTerminal, stateForStatus } from '../jobs/states.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { claimDueJobs } from './claim.ts'
import type { WorkerDeps } from './deps.ts'
import {
  assign, listOrder, MATCH_BEFORE_MS, sentAt, startedBefore, startedMeaning, type Assignment, type ListOrder,
  type StartedMeaning
} from './reconcile-match.ts'

export interface ReconcileOptions {
  // how long after submission an unmatched job is given up (released)
  graceMs: number
  // a pending row older than this is treated as unknown (its process died mid-create)
  stalePendingMs: number
}

const PAGE = 200
const MAX_PAGES = 50
const BATCH = 20
const RETRY_MS = 10_000
// a create held for an operator is looked at again now and then: a rival's settlement may resolve the doubt
const OPERATOR_RECHECK_MS = 10 * 60_000

/** TensorPix's jobs, and whether they provably include every job created since the time asked for. */
interface Listing { jobs: TensorpixJob[], covered: boolean, meaning: StartedMeaning }

async function readPage (deps: WorkerDeps, offset: number): Promise<Page<TensorpixJob>> {
  const res = await deps.upstream.listJobs({ limit: PAGE, offset }, { requestId: 'reconcile' })
  if (!res.ok) throw new Error(`GET /api/jobs/ answered ${res.status}`)
  return res.body
}

/**
 * Pages through TensorPix's job list from its newest end back to `since`: the whole master account shares the list,
 * so a lost create can sit many pages deep. The order is undocumented, so it is read from the ids a page shows; an
 * oldest-first list is entered at its far end with DRF's `count`. The walk stops at a job started before `since`
 * (created before it, whatever `started` means); a list whose order cannot be read is read to its end.
 */
async function upstreamJobsSince (deps: WorkerDeps, since: number): Promise<Listing> {
  const seen = new Map<number, TensorpixJob>()
  let pages = 0
  // a job started before `since` was read, and every job newer than it was read too (the walk is contiguous)
  let reached = false
  const read = async (offset: number) => {
    const page = await readPage(deps, offset)
    pages++
    for (const job of page.results) seen.set(job.id, job)
    reached ||= page.results.some(job => startedBefore(job, since))
    return page
  }
  const last = (page: Page<TensorpixJob>) => !page.next || page.results.length === 0
  const listing = (covered: boolean): Listing => {
    const jobs = [...seen.values()]
    return { jobs, covered, meaning: startedMeaning(jobs) }
  }
  const first = await read(0)
  let page = first
  if (last(page)) return listing(true)
  const order: ListOrder = listOrder(page.results.map(j => j.id))
  if (order !== 'oldest' || page.count === undefined) {
    // from the start onwards: jobs created meanwhile push older ones later, so none is skipped
    const done = () => last(page) || (order === 'newest' && reached)
    for (let offset = 0; !done(); page = await read(offset)) {
      if (pages >= MAX_PAGES) return listing(false)
      offset += page.results.length
    }
    return listing(true)
  }
  // oldest first: the newest jobs are at the end; read the tail to its end, then step back towards the start
  const tail = Math.max(0, page.count - PAGE)
  // the first page's old jobs are not contiguous with the tail: they prove nothing about what lies between
  reached = false
  for (let offset = tail; !last(page = await read(offset));) {
    if (pages >= MAX_PAGES) return listing(false)
    offset += page.results.length
  }
  // TensorPix may cap a page below what was asked (DRF's max_limit): step back by what a page really holds, and a
  // read that does not reach the part already read leaves a gap, so the listing proves nothing
  const step = Math.max(1, Math.min(PAGE, first.results.length))
  for (let offset = tail; offset > 0;) {
    if (reached) break
    if (pages >= MAX_PAGES) return listing(false)
    const from = Math.max(0, offset - step)
    const back = await read(from)
    if (from + back.results.length < offset) return listing(false)
    offset = from
  }
  return listing(true)
}

async function retryLater (deps: WorkerDeps, job: Job, ms: number): Promise<void> {
  await deps.db.job.update({ where: { id: job.id }, data: { nextSyncAt: new Date(deps.now().getTime() + ms) } })
}

async function claim (deps: WorkerDeps, job: Job, found: TensorpixJob): Promise<void> {
  const team = await deps.db.team.findUniqueOrThrow({ where: { id: job.teamId } })
  const body = { id: found.id, cost_usd: found.cost_usd, input_video: mediaId(found.input_video), status: found.status }
  const held = heldBy(job, team)
  const now = deps.now()
  const settlement = await settle(deps.db, held, found, { status: 201, body }, now)
  const ended = isTerminal(stateForStatus(found.status))
  if ((settlement.outcome === 'settled' || settlement.outcome === 'over_budget') && ended) {
    // the job already ended at TensorPix: its final cost, refund or output comes from the listing (and an
    // over-budget one's cancel is decided by that end, with nothing left to cancel)
    await applySnapshot(deps.db, await deps.db.job.findUniqueOrThrow({ where: { id: job.id } }), found, now)
  } else if (settlement.outcome === 'over_budget') {
    await cancelOverBudget(deps, held, found, `reconcile-${job.id}`)
  } else if (settlement.outcome !== 'settled') {
    // the create's own answer or another pass got there first; the next pass sees what they did
    deps.log.info({ jobId: job.id, upstreamId: found.id, outcome: settlement.outcome }, 'reconciliation: settled elsewhere')
    return
  }
  deps.log.info({ jobId: job.id, upstreamId: found.id }, 'reconciled a lost create: found at TensorPix')
}

async function act (deps: WorkerDeps, job: Job, decision: Assignment, listing: Listing, options: ReconcileOptions) {
  switch (decision.kind) {
    case 'claim':
      return claim(deps, job, decision.candidate)
    case 'wait':
      return retryLater(deps, job, RETRY_MS)
    case 'ambiguous':
      if (await holdForOperator(deps.db, job, decision.reason)) {
        deps.log.warn({ jobId: job.id, reason: decision.reason }, 'reconciliation: lost create held for an operator')
      }
      return retryLater(deps, job, OPERATOR_RECHECK_MS)
    case 'absent': {
      // release only when the grace is over and the listing reached back far enough to have seen the job
      const waited = deps.now().getTime() - sentAt(job)
      if (heldForOperator(job)) return retryLater(deps, job, OPERATOR_RECHECK_MS)
      if (waited < options.graceMs || !listing.covered) return retryLater(deps, job, RETRY_MS)
      const team = await deps.db.team.findUniqueOrThrow({ where: { id: job.teamId } })
      await reject(deps.db, heldBy(job, team), new GatewayError('upstream_never_created'), false)
      deps.log.info({ jobId: job.id }, 'reconciled a lost create: not at TensorPix, hold released')
    }
  }
}

async function promoteStalePending (deps: WorkerDeps, options: ReconcileOptions): Promise<void> {
  const before = new Date(deps.now().getTime() - options.stalePendingMs)
  const where: Prisma.JobWhereInput = { state: 'pending', createdAt: { lt: before } }
  await deps.db.job.updateMany({ where, data: { state: 'unknown', nextSyncAt: deps.now(), error: 'the gateway stopped before TensorPix answered' } })
}

/** Every open create of every team: each may own one of the listed jobs; a pending one is still in flight. */
async function openCreates (deps: WorkerDeps) {
  const open = await deps.db.job.findMany({ where: { state: { in: ['pending', 'unknown'] } } })
  return open.map(job => ({ ...job, inFlight: job.state === 'pending' }))
}

/** One pass over lost creates. Returns how many were examined. */
export async function reconcileLostCreates (deps: WorkerDeps, options: ReconcileOptions): Promise<number> {
  await promoteStalePending(deps, options)
  const ids = await claimDueJobs(deps.db, ['unknown'], BATCH)
  if (ids.length === 0) return 0
  const jobs = await deps.db.job.findMany({ where: { id: { in: ids }, state: 'unknown' } })
  if (jobs.length === 0) return ids.length
  const since = Math.min(...jobs.map(sentAt)) - MATCH_BEFORE_MS
  const listing = await upstreamJobsSince(deps, since)
  const owned = new Set((await deps.db.job.findMany({
    where: { upstreamId: { in: listing.jobs.map(c => c.id) } }, select: { upstreamId: true }
  })).map(j => j.upstreamId))
  const unowned = listing.jobs.filter(c => !owned.has(c.id))
  const decisions = assign(await openCreates(deps), unowned, listing.meaning)
  for (const job of jobs) {
    await act(deps, job, decisions.get(job.id) ?? { kind: 'absent' }, listing, options)
      .catch(err => deps.log.warn({ err, jobId: job.id }, 'reconciliation failed; retrying after the lease'))
  }
  return ids.length
}
