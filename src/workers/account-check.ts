// The account check (DESIGN.md rule 8): the master TensorPix account is the truth, so every change of its balance
// must be explained by the ledger's charges and refunds, by jobs created outside the gateway and by recorded
// top-ups. One pass:
//   1. a consistent reading: the balance, the account's whole job list, the balance again (retried while they differ);
//   2. our jobs whose listed status is ahead of our record are settled from the listing, so the ledger holds what
//      the balance already reflects;
//   3. listed jobs no gateway record owns are counted as outside (a later change of their cost counts as its
//      difference; one a reconciled create claims later counts nothing from then on);
//   4. under a lock shared by every replica: the totals, the drift since the previous check, and its verdict
//      (src/account/explain.ts). A persistent drift that other end-of-job semantics explain exactly switches the
//      belief and corrects the jobs since the last check without drift (src/account/semantics.ts); any other is
//      announced once per episode as `reconciliation.account_drift`.
import { Decimal } from 'decimal.js'
import type { Prisma } from '../db/client.ts'
import type { AccountCheck } from '../generated/prisma/client.ts'
import { applySnapshot } from '../jobs/snapshot.ts'
import { isTerminal, stateForStatus } from '../jobs/states.ts'
import type { TensorpixJob } from '../tensorpix/jobs.ts'
import { explainInterval, outsideCount, PERSISTENT_CHECKS, storedTotals, verdict, type Totals } from '../account/explain.ts'
import { changedSubjects, explainDrift, type Plan, type Semantics } from '../account/semantics.ts'
import { lockSemantics, observeSemantics, readSemantics } from '../account/beliefs.ts'
import { applyPlan, endedSince, reportedCost } from '../account/corrections.ts'
import { formatCredits } from '../ledger/balance.ts'
import { emitAccountEvent } from '../webhooks/events.ts'
import type { WorkerDeps } from './deps.ts'

type Tx = Prisma.TransactionClient

/**
 * The listing reads at most MAX_PAGES pages of PAGE jobs (10 000 jobs): TensorPix documents no order, so the
 * whole list is read every pass. Beyond the cap the check is marked incomplete (listing_complete = false): jobs
 * past it are not seen, so a new outside job there shows as drift.
 */
export const PAGE = 200
export const MAX_PAGES = 50
// readings whose two balances differ (something moved during the listing) are retried this often, then skipped
const READ_ATTEMPTS = 3
// pg_advisory_xact_lock key serialising the decisions of all replicas' checks ("acct" in ASCII)
const CHECK_LOCK = 0x61636374

const REQUEST = { requestId: 'account-check' }
const ZERO = new Decimal(0)

interface Reading { balance: Decimal, jobs: TensorpixJob[], complete: boolean }

async function balance (deps: WorkerDeps): Promise<Decimal> {
  const res = await deps.upstream.balance(REQUEST)
  if (!res.ok) throw new Error(`GET /api/accounts/profile/balance/ answered ${res.status}`)
  return new Decimal(res.body.balance_usd)
}

/** Every job of the account, deduplicated by id (offset pages may shift while read), up to the cap. */
async function listAccountJobs (deps: WorkerDeps): Promise<{ jobs: TensorpixJob[], complete: boolean }> {
  const jobs = new Map<number, TensorpixJob>()
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await deps.upstream.listJobs({ limit: PAGE, offset: page * PAGE }, REQUEST)
    if (!res.ok) throw new Error(`GET /api/jobs/ answered ${res.status}`)
    for (const job of res.body.results) jobs.set(job.id, job)
    if (!res.body.next || res.body.results.length === 0) return { jobs: [...jobs.values()], complete: true }
  }
  return { jobs: [...jobs.values()], complete: false }
}

async function consistentReading (deps: WorkerDeps): Promise<Reading | null> {
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const before = await balance(deps)
    const listing = await listAccountJobs(deps)
    const after = await balance(deps)
    if (before.equals(after)) return { balance: after, ...listing }
  }
  return null
}

/** Settles our running jobs whose listed status differs; returns the listed ids a gateway record owns. */
async function applyListedStatuses (deps: WorkerDeps, listed: TensorpixJob[], now: Date): Promise<Set<number>> {
  const byId = new Map(listed.map(job => [job.id, job]))
  const ours = await deps.db.job.findMany({
    where: { upstreamId: { in: [...byId.keys()] } },
    select: { id: true, teamId: true, upstreamId: true, state: true, snapshot: true, lastSyncedAt: true }
  })
  for (const job of ours) {
    const upstream = byId.get(job.upstreamId as number)
    if (!upstream || isTerminal(job.state) || stateForStatus(upstream.status) === job.state) continue
    if (job.state !== 'queued' && job.state !== 'processing') continue
    await applySnapshot(deps.db, job, upstream, now)
  }
  return new Set(ours.map(job => job.upstreamId as number))
}

/**
 * Records the listed jobs no gateway record owns, and stops counting outside jobs a gateway record now owns. A
 * known job is counted again only when its status or cost changed: a later switch of semantics moves money only
 * through its plan, never by recounting old jobs.
 */
async function countOutsideJobs (deps: WorkerDeps, listed: TensorpixJob[], owned: Set<number>, now: Date) {
  const semantics = await readSemantics(deps.db)
  const outside = listed.filter(job => !owned.has(job.id))
  const known = new Map((await deps.db.accountOutsideJob.findMany({
    where: { upstreamId: { in: outside.map(job => job.id) } }
  })).map(row => [row.upstreamId, row]))
  for (const job of outside) {
    const cost = reportedCost(job) ?? ZERO
    const row = known.get(job.id)
    const counted = outsideCount({ status: job.status, cost }, semantics, new Decimal(row?.attributed.toString() ?? 0))
    const ended = isTerminal(stateForStatus(job.status)) ? now : null
    const figures = { status: job.status, costUsd: cost.toFixed(4), counted: counted.toFixed(4), changedAt: now }
    if (!row) {
      await deps.db.accountOutsideJob.create({
        data: { upstreamId: job.id, ...figures, snapshot: job as object, firstSeenAt: now, endedAt: ended }
      })
    } else if (!row.claimedAt && (row.status !== job.status || !cost.equals(row.costUsd.toString()))) {
      await deps.db.accountOutsideJob.update({
        where: { upstreamId: job.id }, data: { ...figures, snapshot: job as object, endedAt: row.endedAt ?? ended }
      })
    }
  }
  await deps.db.$executeRaw`
    UPDATE account_outside_jobs o SET counted = 0, claimed_at = ${now}
    FROM jobs j WHERE j.upstream_id = o.upstream_id AND o.claimed_at IS NULL`
}

interface Read extends Totals { createsInFlight: number }

async function readTotals (tx: Tx, accountBalance: Decimal, now: Date): Promise<Read> {
  const [row] = await tx.$queryRaw<Array<{ ledger: string, outside: string, topUps: string, inFlight: number }>>`
    SELECT (SELECT COALESCE(SUM(charged), 0) FROM team_period_usage)::text AS ledger,
      (SELECT COALESCE(SUM(counted), 0) FROM account_outside_jobs)::text AS outside,
      (SELECT COALESCE(SUM(amount), 0) FROM account_top_ups WHERE at <= ${now})::text AS "topUps",
      (SELECT count(*) FROM jobs WHERE state IN ('pending', 'unknown'))::int AS "inFlight"`
  return {
    balance: accountBalance,
    ledgerNet: new Decimal(row?.ledger ?? 0),
    outsideCost: new Decimal(row?.outside ?? 0),
    topUps: new Decimal(row?.topUps ?? 0),
    createsInFlight: row?.inFlight ?? 0
  }
}

/** What a pass decided; null when it was skipped (an inconsistent reading, or another replica checked meanwhile). */
export interface CheckOutcome {
  checkId: bigint
  intervalDrift: string
  cumulativeDrift: string
  /** `reconciliation.account_drift` was raised by this check */
  alerted: boolean
  /** the semantics this check switched to, with the corrections it posted */
  observed: Plan | null
  /** refunds of 'gross' cancels attributed without a switch */
  attributed: Plan | null
}

function assess (recent: AccountCheck[], read: Read) {
  const previous = recent[0]
  const interval = explainInterval(previous ? storedTotals(previous) : null, read)
  const cumulativeDrift = new Decimal(previous?.cumulativeDrift.toString() ?? 0).plus(interval.drift)
  const states = recent.map(check => ({
    cumulativeDrift: new Decimal(check.cumulativeDrift.toString()),
    createsInFlight: check.createsInFlight,
    alerted: check.alerted
  }))
  const current = { cumulativeDrift, createsInFlight: read.createsInFlight }
  return { interval, cumulativeDrift, verdict: verdict(states, current) }
}

function checkRow (read: Read, reading: Reading, now: Date, assessed: ReturnType<typeof assess>) {
  return {
    checkedAt: now,
    balance: read.balance.toFixed(4),
    ledgerNet: read.ledgerNet.toFixed(4),
    outsideCost: read.outsideCost.toFixed(4),
    topUps: read.topUps.toFixed(4),
    intervalDrift: assessed.interval.drift.toFixed(4),
    cumulativeDrift: assessed.cumulativeDrift.toFixed(4),
    createsInFlight: read.createsInFlight,
    listedJobs: reading.jobs.length,
    listingComplete: reading.complete,
    alerted: assessed.verdict.alerted
  }
}

const describePlan = (plan: Plan) => plan.changes.map(change => ({
  job: change.key,
  kind: change.amount.gt(0) ? 'charge' : 'refund',
  amount: formatCredits(change.amount.abs()),
  apportioned: change.apportioned
}))

/** Explains a persistent drift by semantics, under the lock that keeps settlements out; the plan applied or null. */
async function explainBySemantics (tx: Tx, recent: AccountCheck[], reading: Reading, now: Date) {
  const semantics = await lockSemantics(tx)
  const read = await readTotals(tx, reading.balance, now)
  const assessed = assess(recent, read)
  if (!assessed.verdict.persistent) return null
  const lastAgreed = await tx.accountCheck.findFirst({ where: { cumulativeDrift: 0 }, orderBy: { id: 'desc' } })
  const plan = explainDrift(assessed.cumulativeDrift, await endedSince(tx, lastAgreed?.checkedAt ?? new Date(0)),
    semantics)
  return plan ? { plan, semantics, drift: assessed.cumulativeDrift } : null
}

async function announceDrift (tx: Tx, check: AccountCheck, semantics: Semantics, assessed: ReturnType<typeof assess>) {
  const { interval } = assessed
  await emitAccountEvent(tx, 'reconciliation.account_drift', {
    checkId: check.id.toString(),
    checkedAt: check.checkedAt.toISOString(),
    balance: formatCredits(check.balance.toString()),
    balanceChange: formatCredits(interval.balanceChange),
    ledgerChange: formatCredits(interval.ledgerChange),
    outsideChange: formatCredits(interval.outsideChange),
    topUpChange: formatCredits(interval.topUpChange),
    intervalDrift: formatCredits(interval.drift),
    cumulativeDrift: formatCredits(assessed.cumulativeDrift),
    semantics
  })
}

async function decide (deps: WorkerDeps, reading: Reading, startedAt: Date): Promise<CheckOutcome | null> {
  return deps.db.$transaction(async tx => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHECK_LOCK})`
    const recent = await tx.accountCheck.findMany({ orderBy: { id: 'desc' }, take: PERSISTENT_CHECKS })
    if (recent[0] && recent[0].checkedAt >= startedAt) return null
    const now = deps.now()
    let read = await readTotals(tx, reading.balance, now)
    let assessed = assess(recent, read)
    // a listing cut at its cap may miss outside jobs: no money is moved on an incomplete picture
    const explained = assessed.verdict.persistent && reading.complete
      ? await explainBySemantics(tx, recent, reading, now)
      : null
    let check = await tx.accountCheck.create({ data: checkRow(read, reading, now, assessed) })
    if (explained) {
      await applyPlan(tx, check.id, explained.plan)
      read = await readTotals(tx, reading.balance, now)
      assessed = assess(recent, read)
      check = await tx.accountCheck.update({ where: { id: check.id }, data: checkRow(read, reading, now, assessed) })
    }
    const switched = explained && changedSubjects(explained.semantics, explained.plan.semantics).length > 0
    if (explained && switched) {
      const evidence = {
        checkId: check.id.toString(),
        drift: formatCredits(explained.drift),
        jobs: describePlan(explained.plan),
        alternatives: explained.plan.alternatives
      }
      for (const subject of changedSubjects(explained.semantics, explained.plan.semantics)) {
        await observeSemantics(tx, subject, explained.plan.semantics[subject], evidence, now)
      }
      await emitAccountEvent(tx, 'reconciliation.semantics_observed', {
        ...evidence, checkedAt: now.toISOString(), from: explained.semantics, to: explained.plan.semantics
      })
    }
    const alert = !explained && assessed.verdict.alert
    if (alert) await announceDrift(tx, check, await readSemantics(tx), assessed)
    return {
      checkId: check.id,
      intervalDrift: formatCredits(check.intervalDrift.toString()),
      cumulativeDrift: formatCredits(check.cumulativeDrift.toString()),
      alerted: alert,
      observed: switched ? explained.plan : null,
      attributed: explained && !switched ? explained.plan : null
    }
  })
}

/** One pass of the account check. */
export async function checkAccount (deps: WorkerDeps): Promise<CheckOutcome | null> {
  const startedAt = deps.now()
  const reading = await consistentReading(deps)
  if (!reading) {
    deps.log.warn({ attempts: READ_ATTEMPTS }, 'account check: the balance kept moving during the listing; skipped')
    return null
  }
  const owned = await applyListedStatuses(deps, reading.jobs, startedAt)
  await countOutsideJobs(deps, reading.jobs, owned, startedAt)
  const outcome = await decide(deps, reading, startedAt)
  if (outcome?.alerted) {
    deps.log.warn({ cumulativeDrift: outcome.cumulativeDrift, checkId: outcome.checkId.toString() },
      'account check: the account balance is not explained by the ledger, outside jobs and top-ups')
  }
  if (outcome?.observed) {
    deps.log.warn({ semantics: outcome.observed.semantics, corrections: describePlan(outcome.observed) },
      'account check: the account shows other end-of-job semantics; switched and corrected')
  }
  return outcome
}
