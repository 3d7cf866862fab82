// The money path of a create (POST /api/jobs/from-url/ and POST /api/jobs/):
//   policy → [tx: idempotency, job row `pending`, quotas, hold] → TensorPix → [tx: settle]
// Nothing is forwarded unless the hold committed; every outcome of the upstream call ends the hold exactly once
// (charge + release, release, or — when the outcome is unknown — kept for reconciliation to decide).
import { createHash } from 'node:crypto'
import { Decimal } from 'decimal.js'
import type { Db, Prisma } from '../db/client.ts'
import type { Team } from '../generated/prisma/client.ts'
import type { Principal } from '../auth/principal.ts'
import { UpstreamFailure } from '../upstream/client.ts'
import type { Answer, TensorpixApi } from '../upstream/tensorpix.ts'
import type { CreatedJob } from '../tensorpix/jobs.ts'
import type { ModelCatalog } from '../upstream/model-catalog.ts'
import { budgetRule, placeHold, type UsageAfter } from '../ledger/money.ts'
import { formatCredits, remainingCredits } from '../ledger/balance.ts'
import { currentPeriod, readUsage, type PeriodUsage } from '../ledger/usage.ts'
import { estimateHold } from '../policy/estimate.ts'
import { checkOptions, type OptionPolicy } from '../policy/option-rules.ts'
import { checkVideoUrl, type UrlPolicy } from '../policy/url-rules.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { answerForCreate, answerForFailure } from '../upstream/answers.ts'
import { countOutOfCreditsRefusal } from '../metrics/registry.ts'
import type { CreateRequest } from '../tensorpix/requests.ts'
import { checkQuotas } from './quotas.ts'
import { databaseTrouble, isUniqueViolation } from '../db/errors.ts'
import { findOwned } from './media.ts'
import { cancelOverBudget, heldBy, reject, settle, type Held, type Settlement } from './settle.ts'
import { holdForOperator } from './operator-hold.ts'
import { raiseBudgetAlerts } from '../webhooks/budget-alerts.ts'
import { passGate, throughGate } from '../account/cancel-bracket.ts'

export interface CreateDeps {
  db: Db
  log?: { warn(details: object, message: string): void, error(details: object, message: string): void }
  upstream: TensorpixApi
  models: ModelCatalog
  defaultHold: Decimal
  now: () => Date
}

export interface CreateCall {
  principal: Principal & { teamId: string }
  requestId: string
  timing?: { upstreamMs: number }
  idempotencyKey?: string | undefined
  request: CreateRequest
}

/** What the client is answered. */
export interface ClientAnswer { status: number, body: unknown, headers: Record<string, string> }

const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000
const IN_FLIGHT_RETRY_S = '2'

function requestHash (request: CreateRequest): string {
  return createHash('sha256').update(request.source + JSON.stringify(request.body)).digest('hex')
}

async function enforcePolicy (team: Team, request: CreateRequest, models: ModelCatalog, now: Date) {
  const optionPolicy = team.optionPolicy as OptionPolicy
  const known = optionPolicy.allowedTasks ? await models.models() : new Map()
  const refusal = checkOptions(request.body, optionPolicy, id => known.get(id)?.task) ??
    (request.source === 'from-url' ? checkVideoUrl(request.body.video_url, team.urlPolicy as UrlPolicy, now) : null)
  if (refusal) throw new GatewayError('policy_refused', refusal.message).with({ field: refusal.field })
}

// All teams share one TensorPix account, so TensorPix would accept another team's upload id: check it is ours.
async function enforceInputOwnership (db: Db, teamId: string, request: CreateRequest) {
  if (request.source !== 'upload' || request.body.input_video === null) return
  const owned = await findOwned(db, teamId, 'video', request.body.input_video)
  if (!owned) throw new GatewayError('unknown_input_video', request.body.input_video).with({ field: 'input_video' })
}

type Tx = Prisma.TransactionClient

/** A replayed answer, a refusal, or null when this request is the first with its key. */
async function idempotentReplay (tx: Tx, call: CreateCall, hash: string, now: Date): Promise<ClientAnswer | null> {
  if (!call.idempotencyKey) return null
  const previous = await tx.job.findUnique({
    where: { teamId_idempotencyKey: { teamId: call.principal.teamId, idempotencyKey: call.idempotencyKey } }
  })
  if (!previous) return null
  if (now.getTime() - previous.createdAt.getTime() > IDEMPOTENCY_WINDOW_MS) {
    await tx.job.update({ where: { id: previous.id }, data: { idempotencyKey: null } })
    return null
  }
  if (previous.requestHash !== hash) {
    throw new GatewayError('idempotency_key_reused')
  }
  if (previous.responseStatus === null) {
    throw new GatewayError('idempotency_in_flight').with({ headers: { 'retry-after': IN_FLIGHT_RETRY_S } })
  }
  return { status: previous.responseStatus, body: previous.responseBody, headers: { 'idempotent-replayed': 'true' } }
}

// Thrown inside the hold's transaction to roll it back when the budget refused the hold; answered outside it.
class HoldRefused extends Error {}

/**
 * The hold's transaction; 'closed' while a cancel is measured against the balance (src/account/cancel-bracket.ts:
 * nothing is written, the caller waits), unless `goAhead`. Every statement that does not need the team's usage
 * row comes first (the quotas take the team row's lock of their own); the hold's one statement takes the usage row's
 * lock last, and only COMMIT follows it (and, once per alert, the alert's rows).
 */
async function holdAndRecord (
  deps: CreateDeps,
  call: CreateCall,
  team: Team,
  now: Date,
  goAhead: boolean
): Promise<(Held & { overSoftBudget: boolean }) | ClientAnswer | 'closed'> {
  const hash = requestHash(call.request)
  const estimate = estimateHold({
    preview: call.request.body.preview ?? false,
    maxJobCost: team.maxJobCost ? new Decimal(team.maxJobCost.toString()) : null,
    defaultHold: deps.defaultHold
  })
  const period = currentPeriod(team, now)
  const costWeights = deps.models.costWeights(call.request.body.ml_models) ?? undefined
  const remaining = (usage: PeriodUsage | UsageAfter) =>
    remainingCredits({ credits: team.budgetCredits.toString(), overdraft: 0, ...usage })
  try {
    return await deps.db.$transaction(async tx => {
      if (await passGate(tx, goAhead) === 'closed') return 'closed'
      const replay = await idempotentReplay(tx, call, hash, now)
      if (replay) return replay
      const job = await tx.job.create({
        data: {
          teamId: team.id,
          apiKeyId: call.principal.keyId,
          source: call.request.source,
          request: call.request.body as Prisma.InputJsonValue,
          videoUrl: call.request.source === 'from-url' ? call.request.body.video_url : null,
          mlModels: call.request.body.ml_models,
          preview: call.request.body.preview ?? false,
          periodStart: period.periodStart,
          estimatedCost: estimate.toFixed(4),
          idempotencyKey: call.idempotencyKey ?? null,
          requestHash: hash,
          costWeights
        }
      })
      const held = heldBy(job, team)
      await checkQuotas(tx, { team, keyId: call.principal.keyId, jobId: job.id, now })
      const usage = await placeHold(tx, held.hold, budgetRule(team))
      if (!usage) throw new HoldRefused()
      await raiseBudgetAlerts(tx, team, period.periodStart, usage)
      // a soft budget lets the job through and says so (header and log), instead of refusing it
      return { ...held, overSoftBudget: team.budgetMode === 'soft' && remaining(usage).isNegative() }
    })
  } catch (err) {
    // read after the rollback, not under the usage row's lock: what is left now
    if (err instanceof HoldRefused) {
      const left = formatCredits(remaining(await readUsage(deps.db, period)))
      throw new GatewayError('budget_exhausted', left, formatCredits(estimate))
    }
    // two identical requests raced past the lookup: the loser sees the winner in flight
    if (isUniqueViolation(err)) {
      throw new GatewayError('idempotency_in_flight').with({ headers: { 'retry-after': IN_FLIGHT_RETRY_S } })
    }
    throw err
  }
}

async function markUnknown (db: Db, held: Held, reason: string, sentAt: Date) {
  // only while still pending: reconciliation may already have settled a create that outlived STALE_PENDING_MS
  await db.job.updateMany({
    where: { id: held.job.id, state: 'pending' },
    data: { state: 'unknown', error: reason, submittedAt: sentAt, nextSyncAt: sentAt }
  })
}

/**
 * An answer that may come after TensorPix saved the job, but does not say which job: a 5xx (TensorPix, or a proxy
 * in front of it, may answer one after committing) or a success without a job id. Like a lost answer, it keeps its
 * hold and its Idempotency-Key, and reconciliation decides from TensorPix's job list (README, the money path).
 */
function ambiguityOf (res: Answer<CreatedJob>): { reason: string, answer: GatewayError } | null {
  if (!res.ok) {
    if (res.status < 500) return null
    return { reason: `TensorPix answered HTTP ${res.status}`, answer: new GatewayError('create_upstream_failed', res.status) }
  }
  const id = (res.body as { id?: unknown } | null)?.id
  if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) return null
  return {
    reason: `TensorPix answered HTTP ${res.status} without a job id`,
    answer: new GatewayError('create_answer_unreadable', res.status)
  }
}

// TensorPix created the job, so a database error now must not read as "nothing was done, retry": the job stays
// `pending` with its hold, reconciliation settles it from TensorPix's job list, and the client learns which job it is.
async function settleOrReconcile (...args: Parameters<typeof settle>): Promise<Settlement> {
  try {
    return await settle(...args)
  } catch (err) {
    if (!databaseTrouble(err)) throw err
    throw new GatewayError('create_unrecorded').with({ extra: { gateway_job_id: args[1].job.id } })
  }
}

/**
 * The answer for a create whose 201 came after reconciliation had ended its hold: what was recorded when both name
 * the same job; held for an operator (never charged twice, never a plain 500) when they name different jobs.
 */
async function answerSettledElsewhere (deps: CreateDeps, held: Held, created: CreatedJob,
  settlement: Exclude<Settlement, { outcome: 'settled' | 'over_budget' }>): Promise<ClientAnswer> {
  if (settlement.outcome === 'settled_elsewhere') {
    return { status: settlement.job.responseStatus ?? 201, body: settlement.job.responseBody, headers: {} }
  }
  const elsewhere = settlement.outcome === 'settled_with_another'
    ? `reconciliation had settled it with TensorPix job ${settlement.job.upstreamId}`
    : 'reconciliation had given that job to another create'
  const reason = `TensorPix answered job ${created.id} for this create, but ${elsewhere}`
  if (settlement.outcome === 'upstream_taken') {
    // still pending with its hold: reconciliation keeps it, as flagged, instead of releasing it after the grace
    await markUnknown(deps.db, held, reason, deps.now())
  }
  await holdForOperator(deps.db, held.job, reason, { upstreamId: created.id })
  const owner = settlement.outcome === 'upstream_taken' ? settlement.ownerId : held.job.id
  deps.log?.warn({ jobId: held.job.id, upstreamId: created.id, owner }, `create held for an operator: ${reason}`)
  throw new GatewayError('create_held_for_operator', created.id).with({ extra: { gateway_job_id: held.job.id } })
}

// TensorPix's words carry the shared account's balance, which no log line repeats
function reportOutOfCredits (deps: CreateDeps, held: Held, status: number): void {
  countOutOfCreditsRefusal()
  deps.log?.error({ jobId: held.job.id, upstreamStatus: status }, 'TensorPix account out of credits: create refused, top it up')
}

export async function createJob (deps: CreateDeps, call: CreateCall): Promise<ClientAnswer> {
  const now = deps.now()
  const team = await deps.db.team.findUniqueOrThrow({ where: { id: call.principal.teamId } })
  await enforcePolicy(team, call.request, deps.models, now)
  await enforceInputOwnership(deps.db, team.id, call.request)
  const held = await throughGate(deps.db, goAhead => holdAndRecord(deps, call, team, now, goAhead), () => Date.now())
  if (!('job' in held)) return held
  // the hold may have waited on a busy database: reconciliation's window and grace count from the send itself
  const sentAt = deps.now()
  let res
  try {
    res = await deps.upstream.createJob(call.request, {
      requestId: call.requestId, timing: call.timing, team: call.principal.teamId
    })
  } catch (err) {
    if (!(err instanceof UpstreamFailure)) throw err
    if (err.maybeProcessed) {
      await markUnknown(deps.db, held, err.message, sentAt)
      throw new GatewayError('create_outcome_unknown').with({ extra: { gateway_job_id: held.job.id } })
    }
    const answer = answerForFailure(err)
    await reject(deps.db, held, answer, false)
    throw answer
  }
  const ambiguous = ambiguityOf(res)
  if (ambiguous) {
    await markUnknown(deps.db, held, ambiguous.reason, sentAt)
    throw ambiguous.answer.with({ extra: { gateway_job_id: held.job.id } })
  }
  if (!res.ok) {
    const answer = answerForCreate(res)
    if (answer.code === 'upstream_out_of_credits') reportOutOfCredits(deps, held, res.status)
    // a refusal TensorPix would repeat is replayed under its key; throttling and our own credentials are not
    await reject(deps.db, held, answer, answer.code === 'upstream_refused')
    throw answer
  }
  const created = res.body
  const answer = { status: res.status, body: res.body }
  const settlement = await settleOrReconcile(deps.db, held, created, answer, sentAt, 'create_answer')
  if (settlement.outcome === 'over_budget') throw await cancelOverBudget(deps, held, created, call.requestId)
  if (settlement.outcome !== 'settled') return answerSettledElsewhere(deps, held, created, settlement)
  if (settlement.late) deps.log?.warn({ jobId: held.job.id, upstreamId: created.id }, 'create settled after reconciliation released it')
  if (held.overSoftBudget) deps.log?.warn({ team: team.slug }, 'soft budget exceeded: job allowed')
  return { status: res.status, body: res.body, headers: held.overSoftBudget ? { 'x-budget-alert': 'soft budget exceeded' } : {} }
}
