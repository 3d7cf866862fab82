// The account check (DESIGN.md rule 8): the master TensorPix account is the truth, so every change of its balance
// must be explained by the ledger's charges and refunds, by jobs created outside the gateway and by recorded
// top-ups. One pass:
//   1. a consistent reading: the balance, the account's whole job list, the balance again (retried while they differ
//      or the ledger moved meanwhile, up to the moment the totals are read);
//   2. our jobs whose listed status is ahead of our record are settled from the listing, so the ledger holds what
//      the balance already reflects;
//   3. listed jobs no gateway record owns are counted as outside (a later change of their cost counts as its
//      difference; one a reconciled create claims later counts nothing from then on);
//   4. under a lock shared by every replica: the totals, the drift since the previous check, and its verdict
//      (src/account/explain.ts). A persistent drift that exactly one end-of-job semantics explains switches the
//      belief and corrects the jobs since the last check without drift (src/account/semantics.ts), unless an
//      operator configured that belief; any other is announced once per episode as `reconciliation.account_drift`,
//      with the candidate explanations, and moves no money.
import { Decimal } from 'decimal.js'
import type { Prisma } from '../db/client.ts'
import type { AccountCheck } from '../generated/prisma/client.ts'
import { applySnapshot, reportedCost } from '../jobs/snapshot.ts'
import { isTerminal, stateForStatus } from '../jobs/states.ts'
import type { TensorpixJob } from '../tensorpix/jobs.ts'
import {
  createInFlight, explainInterval, outsideCount, RECENT_CHECKS, storedTotals, verdict, type Totals
} from '../account/explain.ts'
import { changedSubjects, explainDrift, type Plan, type Semantics } from '../account/semantics.ts'
import { configuredSubjects, lockSemantics, observeSemantics, readSemantics } from '../account/beliefs.ts'
import { applyPlan, endedSince, isOutsideKey, stampEnded } from '../account/corrections.ts'
import { formatCredits } from '../ledger/balance.ts'
import { emitAccountEvent } from '../webhooks/events.ts'
import type { WorkerDeps } from './deps.ts'

type Tx = Prisma.TransactionClient

/**
 * The listing reads at most MAX_PAGES pages asking PAGE jobs each (10 000 jobs, fewer when TensorPix caps a page
 * lower): TensorPix documents no order, so the whole list is read every pass. Beyond the cap, or when the jobs read
 * fall short of the listing's `count`, the check is marked incomplete (listing_complete = false) and moves no money:
 * jobs not seen are not counted, so a new outside job there shows as drift.
 */
export const PAGE = 200
export const MAX_PAGES = 50
// readings whose two balances differ (something moved during the listing) are retried this often, then skipped
const READ_ATTEMPTS = 3
// pg_advisory_xact_lock key serialising the decisions of all replicas' checks ("acct" in ASCII)
const CHECK_LOCK = 0x61636374

const REQUEST = { requestId: 'account-check' }
const ZERO = new Decimal(0)

export interface AccountCheckOptions {
  /** the longest a create can be in flight (config longestCreateInFlightMs): an older unknown one is not in flight */
  createInFlightMs: number
  /** ACCOUNT_CHECK_INTERVAL_MS: a drift persists once seen unchanged over half of it */
  intervalMs: number
}

interface Reading {
  balance: Decimal
  jobs: TensorpixJob[]
  complete: boolean
  /** the ledger's newest row while the reading was taken (the ledger did not move during it) */
  ledgerMark: bigint
}

async function balance (deps: WorkerDeps): Promise<Decimal> {
  const res = await deps.upstream.balance(REQUEST)
  if (!res.ok) throw new Error(`GET /api/accounts/profile/balance/ answered ${res.status}`)
  return new Decimal(res.body.balance_usd)
}

/**
 * Every job of the account, deduplicated by id (offset pages may shift while read), up to the cap. The offset
 * advances by what a page returned (a server may cap a page below PAGE), and the listing is complete only when it
 * ends within the cap and holds as many jobs as the listing's `count`.
 */
async function listAccountJobs (deps: WorkerDeps): Promise<{ jobs: TensorpixJob[], complete: boolean }> {
  const jobs = new Map<number, TensorpixJob>()
  let offset = 0
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await deps.upstream.listJobs({ limit: PAGE, offset }, REQUEST)
    if (!res.ok) throw new Error(`GET /api/jobs/ answered ${res.status}`)
    for (const job of res.body.results) jobs.set(job.id, job)
    offset += res.body.results.length
    if (!res.body.next || res.body.results.length === 0) {
      return { jobs: [...jobs.values()], complete: jobs.size === res.body.count }
    }
  }
  return { jobs: [...jobs.values()], complete: false }
}

/** The newest ledger row's id: when it moves during a reading, a settlement may sit between balance and ledger. */
async function ledgerMark (deps: WorkerDeps): Promise<bigint> {
  return (await deps.db.ledgerEntry.aggregate({ _max: { id: true } }))._max.id ?? 0n
}

/** The balance and the listing, taken while neither the balance nor the ledger moved; null when either did. */
async function consistentReading (deps: WorkerDeps): Promise<Reading | null> {
  const markBefore = await ledgerMark(deps)
  const before = await balance(deps)
  const listing = await listAccountJobs(deps)
  const after = await balance(deps)
  if (!before.equals(after) || markBefore !== await ledgerMark(deps)) return null
  return { balance: after, ...listing, ledgerMark: markBefore }
}

interface Listed {
  /** the listed ids a gateway record owns */
  owned: Set<number>
  /**
   * our jobs the listing shows ended: a settlement of one after the reading (this pass's, or the status sync's that
   * came first) moves what the reading's balance already shows
   */
  ended: string[]
}

/** Settles our running jobs whose listed status differs. */
async function applyListedStatuses (deps: WorkerDeps, listed: TensorpixJob[], now: Date): Promise<Listed> {
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
  const listedEnded = (job: typeof ours[number]) => {
    const upstream = byId.get(job.upstreamId as number)
    return upstream !== undefined && isTerminal(stateForStatus(upstream.status))
  }
  const owned = new Set(ours.map(job => job.upstreamId as number))
  return { owned, ended: ours.filter(listedEnded).map(job => job.id) }
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

interface Read extends Totals {
  createsInFlight: number
  /** the database's clock (the transaction's start: the check row's db_checked_at) */
  dbNow: Date
  /**
   * Charges and refunds committed since the reading other than those of jobs the listing shows ended: a create
   * TensorPix charged after the balance was read, a failure or cancel settled after the listing showed it running.
   * The totals would count them against a balance that does not show them yet.
   */
  movedSinceReading: number
}

/**
 * The totals, with the charges and refunds committed since the reading, in one statement: whatever commits after it
 * is counted at the next check, and nothing can slip in between the totals and what they are compared with.
 */
async function readTotals (tx: Tx, reading: Reading, listed: Listed, now: Date, options: AccountCheckOptions):
Promise<Read> {
  const [row] = await tx.$queryRaw<Array<{ ledger: string, outside: string, topUps: string, dbNow: Date, moved: number }>>`
    SELECT now() AS "dbNow", (SELECT COALESCE(SUM(charged), 0) FROM team_period_usage)::text AS ledger,
      (SELECT COALESCE(SUM(counted), 0) FROM account_outside_jobs)::text AS outside,
      (SELECT COALESCE(SUM(amount), 0) FROM account_top_ups WHERE at <= ${now})::text AS "topUps",
      (SELECT count(*) FROM ledger_entries WHERE id > ${reading.ledgerMark} AND kind IN ('charge', 'refund')
        AND (job_id IS NULL OR job_id <> ALL(${listed.ended}::uuid[])))::int AS moved`
  const open = await tx.job.findMany({
    where: { state: { in: ['pending', 'unknown'] } },
    select: { state: true, createdAt: true, submittedAt: true, error: true }
  })
  return {
    balance: reading.balance,
    ledgerNet: new Decimal(row?.ledger ?? 0),
    outsideCost: new Decimal(row?.outside ?? 0),
    topUps: new Decimal(row?.topUps ?? 0),
    createsInFlight: open.filter(create => createInFlight(create, now, options.createInFlightMs)).length,
    dbNow: row?.dbNow ?? new Date(),
    movedSinceReading: row?.moved ?? 0
  }
}

/**
 * The totals once a plan's corrections are posted: computed, not read again, since a charge committed meanwhile
 * would be counted against a balance that does not show it.
 */
function afterPlan (read: Read, plan: Plan): Read {
  const sum = (changes: Plan['changes']) => changes.reduce((total, change) => total.plus(change.amount), ZERO)
  const outside = plan.changes.filter(change => isOutsideKey(change.key))
  const ours = plan.changes.filter(change => !isOutsideKey(change.key))
  return { ...read, ledgerNet: read.ledgerNet.plus(sum(ours)), outsideCost: read.outsideCost.plus(sum(outside)) }
}

/**
 * What a pass decided; null when it was skipped (an inconsistent reading, or another replica checked meanwhile);
 * 'moved' when the ledger moved between the reading and the totals (read again).
 */
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

function assess (recent: AccountCheck[], read: Read, options: AccountCheckOptions) {
  const previous = recent[0]
  const interval = explainInterval(previous ? storedTotals(previous) : null, read)
  const cumulativeDrift = new Decimal(previous?.cumulativeDrift.toString() ?? 0).plus(interval.drift)
  const states = recent.map(check => ({
    cumulativeDrift: new Decimal(check.cumulativeDrift.toString()),
    createsInFlight: check.createsInFlight,
    alerted: check.alerted,
    at: check.dbCheckedAt
  }))
  const current = { cumulativeDrift, createsInFlight: read.createsInFlight, at: read.dbNow }
  return { interval, cumulativeDrift, verdict: verdict(states, current, options.intervalMs / 2) }
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

/**
 * The check the drift first appeared at (the first after the last agreement), when the whole cumulative drift
 * appeared in that one interval: only then can cancels that ended in it carry the drift as refunds.
 */
async function driftOrigin (tx: Tx, lastAgreed: AccountCheck | null, drift: Decimal) {
  const origin = await tx.accountCheck.findFirst({
    where: { id: { gt: lastAgreed?.id ?? 0n } }, orderBy: { id: 'asc' }
  })
  return origin && new Decimal(origin.intervalDrift.toString()).equals(drift) ? origin : null
}

// how far back lastAgreement looks for an agreement, in checks
const AGREEMENT_LOOKBACK = 10_000

/**
 * The last check at which the account really agreed with the ledger: a cumulative drift of 0 seen twice in a row,
 * or made by the check itself (its corrections), or the first check. A single 0 may be two transient drifts that
 * cancelled out (a cancel's refund in the balance before its ledger row, beside a failure the ledger refunded and
 * the account did not): taken for an agreement, it would hide the jobs before it from the explanation.
 */
async function lastAgreement (tx: Tx): Promise<AccountCheck | null> {
  const [row] = await tx.$queryRaw<Array<{ id: bigint }>>`
    SELECT id FROM (
      SELECT c.id, c.cumulative_drift,
        lag(c.cumulative_drift) OVER (ORDER BY c.id) AS previous_drift,
        lag(c.id) OVER (ORDER BY c.id) AS previous_id,
        EXISTS (SELECT 1 FROM account_corrections k WHERE k.check_id = c.id) AS corrected
      FROM account_checks c
      WHERE c.id > (SELECT COALESCE(max(id), 0) - ${AGREEMENT_LOOKBACK} FROM account_checks)
    ) checks
    WHERE cumulative_drift = 0 AND (previous_id IS NULL OR previous_drift = 0 OR corrected)
    ORDER BY id DESC LIMIT 1`
  return row ? await tx.accountCheck.findUniqueOrThrow({ where: { id: row.id } }) : null
}

/**
 * Explains a persistent drift by semantics (decide holds the semantics lock that keeps settlements out); null when
 * it is not persistent.
 */
async function explainBySemantics (tx: Tx, semantics: Semantics, assessed: ReturnType<typeof assess>) {
  if (!assessed.verdict.persistent) return null
  const drift = assessed.cumulativeDrift
  const lastAgreed = await lastAgreement(tx)
  const origin = await driftOrigin(tx, lastAgreed, drift)
  const ended = await endedSince(tx, lastAgreed, origin)
  const explanation = explainDrift(drift, origin ? new Decimal(origin.intervalDrift.toString()) : null, ended,
    semantics)
  // an operator's configured belief is not switched: its drift is an alert
  const pinned = await configuredSubjects(tx)
  const plan = explanation.plan && changedSubjects(semantics, explanation.plan.semantics).some(s => pinned.includes(s))
    ? null
    : explanation.plan
  return { ...explanation, plan, semantics, drift }
}

async function announceDrift (tx: Tx, check: AccountCheck, semantics: Semantics, assessed: ReturnType<typeof assess>,
  candidates: Semantics[]) {
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
    semantics,
    // semantics that each explain the drift: more than one is ambiguous, so none was switched to
    candidates
  })
}

async function decide (deps: WorkerDeps, reading: Reading, listed: Listed, startedAt: Date,
  options: AccountCheckOptions): Promise<CheckOutcome | 'moved' | null> {
  return deps.db.$transaction(async tx => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHECK_LOCK})`
    const recent = await tx.accountCheck.findMany({ orderBy: { id: 'desc' }, take: RECENT_CHECKS })
    if (recent[0] && recent[0].checkedAt >= startedAt) return null
    // from here no job settles until this check is recorded: its totals and the jobs it stamps are the same set
    const semantics = await lockSemantics(tx)
    const now = deps.now()
    let read = await readTotals(tx, reading, listed, now, options)
    if (read.movedSinceReading > 0) return 'moved'
    let assessed = assess(recent, read, options)
    // a listing cut at its cap may miss outside jobs: no money is moved on an incomplete picture
    const explanation = reading.complete ? await explainBySemantics(tx, semantics, assessed) : null
    const explained = explanation?.plan ? { ...explanation, plan: explanation.plan } : null
    let check = await tx.accountCheck.create({ data: checkRow(read, reading, now, assessed) })
    await stampEnded(tx, check.id)
    if (explained) {
      await applyPlan(tx, check.id, explained.plan)
      read = afterPlan(read, explained.plan)
      assessed = assess(recent, read, options)
      check = await tx.accountCheck.update({ where: { id: check.id }, data: checkRow(read, reading, now, assessed) })
    }
    const switched = explained && changedSubjects(explained.semantics, explained.plan.semantics).length > 0
    if (explained && switched) {
      const evidence = {
        checkId: check.id.toString(),
        drift: formatCredits(explained.drift),
        jobs: describePlan(explained.plan)
      }
      for (const subject of changedSubjects(explained.semantics, explained.plan.semantics)) {
        await observeSemantics(tx, subject, explained.plan.semantics[subject], evidence, now)
      }
      await emitAccountEvent(tx, 'reconciliation.semantics_observed', {
        ...evidence, checkedAt: now.toISOString(), from: explained.semantics, to: explained.plan.semantics
      })
    }
    const alert = !explained && assessed.verdict.alert
    if (alert) await announceDrift(tx, check, await readSemantics(tx), assessed, explanation?.candidates ?? [])
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

/**
 * A reading and the decision on it, retried while the balance or the ledger moved during the reading or between
 * the reading and the totals; 'moved' when it kept moving.
 */
async function consistentCheck (deps: WorkerDeps, startedAt: Date, options: AccountCheckOptions):
Promise<CheckOutcome | 'moved' | null> {
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const reading = await consistentReading(deps)
    if (!reading) continue
    const listed = await applyListedStatuses(deps, reading.jobs, startedAt)
    await countOutsideJobs(deps, reading.jobs, listed.owned, startedAt)
    const outcome = await decide(deps, reading, listed, startedAt, options)
    if (outcome !== 'moved') return outcome
  }
  return 'moved'
}

/** One pass of the account check. */
export async function checkAccount (deps: WorkerDeps, options: AccountCheckOptions): Promise<CheckOutcome | null> {
  const startedAt = deps.now()
  const outcome = await consistentCheck(deps, startedAt, options)
  if (outcome === 'moved') {
    deps.log.warn({ attempts: READ_ATTEMPTS }, 'account check: the balance or the ledger kept moving during the listing or before its totals were read; skipped')
    return null
  }
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
