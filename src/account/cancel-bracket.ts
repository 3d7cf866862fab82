// Measures the gateway's own DELETE of a job against the account's balance (README "Account reconciliation", rule
// 7). TensorPix may report a cancelled job's cost_usd as created, so its refund shows only in the balance, and the
// balance moves with every create too. A bracket takes an advisory lock that every create's hold takes shared
// (taking it waits for the holds under way; later holds find it taken and wait outside any transaction), waits until
// no create and no unmeasured DELETE is in flight, reads the balance, sends the DELETE and reads the balance again:
// the rise is what the cancel gave back, recorded on the job (recordMeasuredRefund). One bracket at a time over all
// replicas, and one waiting for the lock per replica; the lock is a transaction's, so a bracket whose process dies
// releases it with its connection, and the transaction outlives every call a live bracket makes.
//
// Nothing waits for long: a create waits at most GATE_WAIT_MS, then goes ahead and marks the brackets under way
// unclean (before and after its hold commits, so a bracket that starts meanwhile sees its pending row); a DELETE that
// cannot have the lock within LOCK_WAIT_MS (or meets database trouble) is sent unmeasured, announced by a row of its
// own that brackets wait for, and marks them too; a bracket whose creates and DELETEs do not land within
// LAND_WAIT_MS is unclean. An unmeasured or unclean cancel is settled by the account's semantics, with the account
// check as the fallback. What a bracket cannot see: anything else that moves the balance while it measures (a job
// failing, the web app, a top-up), for as long as a DELETE and two balance readings take; measuredCancelCost refuses
// a figure that cannot be the cancel's, and the account check sees the rest as drift.
import { Decimal } from 'decimal.js'
import type { Db, Prisma } from '../db/client.ts'
import { isRetryableConflict } from '../db/errors.ts'
import type { TensorpixApi } from '../upstream/tensorpix.ts'
import { recordMeasuredRefund } from '../jobs/snapshot.ts'
import { countCancelMeasurement } from '../metrics/registry.ts'

type Tx = Prisma.TransactionClient

/** The longest a create waits for a bracket before it goes ahead (and marks the brackets under way unclean). */
export const GATE_WAIT_MS = 3_000
/** The brackets' pg advisory lock key ("cncl" in ASCII). */
export const BRACKET_LOCK = 0x636e636c
// how long a DELETE waits for the lock (another bracket has it)
const LOCK_WAIT_MS = 5_000
// how long a DELETE waits, before it takes the lock, for what is in flight to land (creates are not held meanwhile)
const SETTLE_WAIT_MS = 10_000
// how long a bracket, holding the lock, waits for the creates that slipped in before it: less than a create waits
const LAND_WAIT_MS = 2_000
const POLL_MS = 25
// a create's row is written when its hold's transaction starts, a moment before it commits and the request starts
// (a hold slower than this, on a database under strain, may let a create's charge into a measurement: the team is
// then refunded less than the account got back, which the account check shows as drift); the row's created_at is
// the writing replica's clock, allowed to be a little off
const HOLD_TO_SEND_MS = 2_000
const RECORD_ATTEMPTS = 3
// a bracket row left open longer than this belongs to a process that died: nobody marks it any more
const STALE_BRACKET_MS = 10 * 60_000

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
// polls of many waiting creates spread out
const poll = () => sleep(POLL_MS + Math.floor(Math.random() * POLL_MS))

/** Marks every bracket under way unclean: a create or a DELETE goes ahead while it may be measuring. */
export async function markIntruders (db: Db | Tx): Promise<void> {
  await db.$executeRaw`
    UPDATE cancel_brackets SET intruders = intruders + 1
    WHERE closed_at IS NULL AND outcome IS NULL
      AND opened_at > now() - ${STALE_BRACKET_MS} * interval '1 millisecond'`
}

/**
 * A create's pass, first thing in its hold's transaction: 'closed' while a bracket measures a cancel (nothing is
 * written; the create waits outside the transaction and tries again), 'open' otherwise, holding the lock shared
 * until the hold commits. `goAhead` (it waited GATE_WAIT_MS): 'open' all the same, marking the brackets unclean.
 */
export async function passGate (tx: Tx, goAhead: boolean): Promise<'open' | 'closed'> {
  const [row] = await tx.$queryRaw<Array<{ free: boolean }>>`
    SELECT pg_try_advisory_xact_lock_shared(${BRACKET_LOCK}) AS free`
  if (row?.free) return 'open'
  if (!goAhead) return 'closed'
  await markIntruders(tx)
  return 'open'
}

/**
 * Runs `hold` (a create's hold, which calls passGate with its argument) until the gate lets it through. A create that
 * went ahead marks the brackets again once its hold committed (markIntruders), before it is sent: a bracket that
 * started after the first mark either is marked now or counts the committed pending row as in flight.
 */
export async function throughGate<T> (db: Db, hold: (goAhead: boolean) => Promise<T | 'closed'>, now: () => number):
Promise<T> {
  const started = now()
  for (;;) {
    const goAhead = now() - started >= GATE_WAIT_MS
    const result = await hold(goAhead)
    if (result !== 'closed') {
      if (goAhead) await markIntruders(db)
      return result
    }
    await poll()
  }
}

export interface BracketDeps {
  db: Db
  upstream: Pick<TensorpixApi, 'balance' | 'decidedWithinMs' | 'longestCallMs'>
  log?: { warn(details: object, message: string): void }
}

/**
 * Waits until nothing that moves the balance is in flight: no create whose request TensorPix may still be deciding on
 * (`decidedWithinMs` after its start: a pending row as young, a little more for its hold, or an unknown one, whose
 * answer was lost, sent as recently; an older one, whose replica died or whose reconciliation is due, can no longer
 * change the balance) and no unmeasured DELETE as young. False when time ran out.
 */
async function nothingInFlight (db: Db, decidedWithinMs: number, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const sent = new Date(Date.now() - decidedWithinMs)
    const held = new Date(sent.getTime() - HOLD_TO_SEND_MS)
    const creates = await db.job.count({
      where: {
        OR: [{ state: 'pending', createdAt: { gt: held } }, { state: 'unknown', submittedAt: { gt: sent } }]
      }
    })
    const deletes = await db.cancelBracket.count({ where: { outcome: 'unmeasured', closedAt: null, openedAt: { gt: sent } } })
    if (creates + deletes === 0) return true
    if (Date.now() >= deadline) return false
    await sleep(POLL_MS)
  }
}

async function readBalance (deps: BracketDeps, requestId: string): Promise<Decimal | null> {
  try {
    const res = await deps.upstream.balance({ requestId })
    return res.ok ? new Decimal(res.body.balance_usd) : null
  } catch {
    return null
  }
}

/**
 * What the DELETE's answer says: TensorPix cancelled the job (2xx), refused (another 4xx: nothing happened), or
 * may have cancelled it (a 5xx, a lost answer: it may have committed first, and only the balance can tell).
 */
export type CancelAnswer = 'cancelled' | 'refused' | 'maybe'

/** A DELETE's answer as CancelAnswer: 2xx, 5xx or no answer at all, any other status. */
export function cancelAnswer (res: { status: number } | null): CancelAnswer {
  if (res === null || res.status >= 500) return 'maybe'
  return res.status >= 200 && res.status < 300 ? 'cancelled' : 'refused'
}

interface Measurement { before: Decimal | null, after: Decimal | null, landed: boolean, answer: CancelAnswer }

/** Why a measurement is not the cancel's refund, or null when it is. */
function uncleanBecause (m: Measurement | null, intruders: number): string | null {
  if (!m) return 'the bracket outlived its transaction or failed'
  if (!m.landed) return 'creates or unmeasured DELETEs were still in flight'
  if (m.before === null || m.after === null) return 'a balance reading failed'
  if (intruders > 0) return `${intruders} create(s) or DELETE(s) went ahead meanwhile`
  return null
}

/**
 * The refund a clean measurement shows, or null: only a rise, and only after an answer that may mean a cancel (a
 * rise of nothing says no more than the job's cost_usd does, and TensorPix may refund after answering).
 */
function refundMeasured (m: Measurement): Decimal | null {
  if (!m.before || !m.after || m.answer === 'refused') return null
  const rise = m.after.minus(m.before)
  return rise.gt(0) ? rise : null
}

/** Closes a bracket's row with what it measured; a clean refund moves the job's money. */
async function recordOnce (db: Db, bracketId: bigint, jobId: string, m: Measurement | null): Promise<void> {
  await db.$transaction(async tx => {
    const bracket = await tx.cancelBracket.findUniqueOrThrow({ where: { id: bracketId } })
    const unclean = uncleanBecause(m, bracket.intruders)
    const refund = m && !unclean ? refundMeasured(m) : null
    const outcome = unclean ? 'unclean' : refund ? 'measured' : 'not_cancelled'
    await tx.cancelBracket.update({
      where: { id: bracketId },
      data: {
        closedAt: new Date(),
        balanceBefore: m?.before?.toFixed(4) ?? null,
        balanceAfter: m?.after?.toFixed(4) ?? null,
        outcome,
        note: unclean
      }
    })
    if (refund && m) await recordMeasuredRefund(tx, jobId, refund, m.answer === 'cancelled')
    countCancelMeasurement(outcome)
  })
}

/** recordOnce, again after a deadlock or a serialization failure (it meets settlements and account checks). */
async function record (db: Db, bracketId: bigint, jobId: string, m: Measurement | null): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await recordOnce(db, bracketId, jobId, m)
    } catch (err) {
      if (attempt >= RECORD_ATTEMPTS || !isRetryableConflict(err)) throw err
    }
  }
}

type Sent<T> = { result: T } | { err: unknown }
type Send<T> = () => Promise<Sent<T>>

/** Sends a DELETE unmeasured: announced first by a row brackets wait for, and marking the brackets under way. */
async function sendUnmeasured<T> (db: Db, jobId: string, send: Send<T>): Promise<Sent<T>> {
  const row = await db.cancelBracket.create({ data: { jobId, outcome: 'unmeasured' } }).catch(() => null)
  await markIntruders(db).catch(() => {})
  countCancelMeasurement('unmeasured')
  const sent = await send()
  if (row) await db.cancelBracket.update({ where: { id: row.id }, data: { closedAt: new Date() } }).catch(() => {})
  return sent
}

interface Bracket { id: bigint | null, measurement: Measurement | null, sent: boolean }

/** The bracket itself, holding the lock in `tx`; `bracket` tells the caller how far it got, whatever is thrown. */
async function bracketed<T> (deps: BracketDeps, tx: Tx, jobId: string, send: Send<T>,
  answer: (result: T) => CancelAnswer, bracket: Bracket): Promise<void> {
  await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = ${LOCK_WAIT_MS}`)
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(${BRACKET_LOCK})::text`
  // committed at once (outside the lock's transaction), so a create that goes ahead can mark it
  bracket.id = (await deps.db.cancelBracket.create({ data: { jobId } })).id
  const landed = await nothingInFlight(deps.db, deps.upstream.decidedWithinMs, LAND_WAIT_MS)
  const requestId = `cancel-bracket-${bracket.id}`
  const before = await readBalance(deps, requestId)
  // still holding the lock (a transaction that ran out of time threw here): else the DELETE goes unmeasured
  await tx.$queryRaw`SELECT 1`
  bracket.sent = true
  const done = await send()
  const after = await readBalance(deps, requestId)
  await tx.$queryRaw`SELECT 1`
  bracket.measurement = { before, after, landed, answer: 'result' in done ? answer(done.result) : 'maybe' }
}

// one DELETE per replica waits for the lock at a time: the others wait here, holding no database connection
let localTurn: Promise<void> = Promise.resolve()

/** Waits for this replica's turn, at most LOCK_WAIT_MS; returns its release, or null when the wait ran out. */
async function takeLocalTurn (): Promise<(() => void) | null> {
  let release = () => {}
  const previous = localTurn
  localTurn = new Promise<void>(resolve => { release = resolve })
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), LOCK_WAIT_MS) })
  const outcome = await Promise.race([previous.then(() => 'turn' as const), timedOut])
  clearTimeout(timer)
  if (outcome === 'timeout') {
    // the queue behind us waits for our predecessor, not for us
    previous.then(release).catch(() => {})
    return null
  }
  return release
}

/**
 * Sends `cancel` (the DELETE of job `jobId`) inside a bracket and returns its result (or throws its error); `answer`
 * tells what the result says (cancelAnswer). When no bracket can be had, the DELETE goes ahead unmeasured.
 */
export async function measuredCancel<T> (
  deps: BracketDeps, jobId: string, cancel: () => Promise<T>, answer: (result: T) => CancelAnswer
): Promise<T> {
  let sent: Sent<T> | undefined
  const send: Send<T> = async () => {
    sent = await Promise.resolve().then(cancel).then(result => ({ result }), (err: unknown) => ({ err }))
    return sent
  }
  const bracket: Bracket = { id: null, measurement: null, sent: false }
  // a create or DELETE in flight (a slow answer, a lost one, a replica that died) would spoil the measurement: let
  // it land first, without holding creates back
  await nothingInFlight(deps.db, deps.upstream.decidedWithinMs, SETTLE_WAIT_MS).catch(() => false)
  const release = await takeLocalTurn()
  if (release) {
    try {
      // the lock's transaction outlives every call a live bracket makes: waits, two balance readings and the DELETE
      const timeout = LOCK_WAIT_MS + LAND_WAIT_MS + 3 * deps.upstream.longestCallMs + 5_000
      const run = (tx: Tx) => bracketed(deps, tx, jobId, send, answer, bracket)
      await deps.db.$transaction(run, { timeout, maxWait: LOCK_WAIT_MS })
    } catch (err) {
      deps.log?.warn({ err, jobId }, 'cancel not measured against the balance')
    } finally {
      release()
    }
  }
  if (bracket.id !== null) {
    const id = bracket.id
    await record(deps.db, id, jobId, bracket.measurement).catch((err: unknown) => {
      deps.log?.warn({ err, jobId, bracketId: id.toString() }, 'cancel measurement not recorded')
    })
  }
  // never sent (no turn, the lock busy, the database in trouble): sent unmeasured
  const done = bracket.sent ? sent as Sent<T> : await sendUnmeasured(deps.db, jobId, send)
  if ('err' in done) throw done.err
  return done.result
}
