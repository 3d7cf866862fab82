// The pure arithmetic of an account check: how the balance's change is explained, what an outside job counts, and
// when a drift is an alert. A check reads totals (every ledger net, outside cost and top-up so far), so a movement
// that commits after one check's read is counted at the next one and never lost between intervals.
import { Decimal } from 'decimal.js'
import type { Semantics } from './semantics.ts'

export interface Totals {
  /** the account's balance_usd */
  balance: Decimal
  /** Σ charge − Σ refund over the whole ledger */
  ledgerNet: Decimal
  /** Σ of what the checks counted for jobs outside the gateway */
  outsideCost: Decimal
  /** Σ of the top-ups recorded up to the check */
  topUps: Decimal
}

type Stored = { toString(): string }

/** The totals a stored check recorded (account_checks: Prisma decimals). */
export function storedTotals (check: Record<keyof Totals, Stored>): Totals {
  return {
    balance: new Decimal(check.balance.toString()),
    ledgerNet: new Decimal(check.ledgerNet.toString()),
    outsideCost: new Decimal(check.outsideCost.toString()),
    topUps: new Decimal(check.topUps.toString())
  }
}

export interface Interval {
  balanceChange: Decimal
  ledgerChange: Decimal
  outsideChange: Decimal
  topUpChange: Decimal
  /** balance change + ledger change + outside change − top-up change: 0 when explained; > 0 = we charged more */
  drift: Decimal
}

const ZERO = new Decimal(0)

/** The change since the previous check and its drift; the first check is the baseline (nothing to explain). */
export function explainInterval (previous: Totals | null, current: Totals): Interval {
  if (!previous) {
    return { balanceChange: ZERO, ledgerChange: ZERO, outsideChange: ZERO, topUpChange: ZERO, drift: ZERO }
  }
  const balanceChange = current.balance.minus(previous.balance)
  const ledgerChange = current.ledgerNet.minus(previous.ledgerNet)
  const outsideChange = current.outsideCost.minus(previous.outsideCost)
  const topUpChange = current.topUps.minus(previous.topUps)
  const drift = balanceChange.plus(ledgerChange).plus(outsideChange).minus(topUpChange)
  return { balanceChange, ledgerChange, outsideChange, topUpChange, drift }
}

/**
 * What the account lost to a job outside the gateway, by its listed status and cost_usd: a running or finished
 * job its cost; a failed one nothing when failures are refunded; a cancel its cost less any refund attributed to
 * it from the balance (a 'gross' report).
 */
export function outsideCount (listed: { status: number, cost: Decimal }, semantics: Semantics, attributed: Decimal):
Decimal {
  if (listed.status === -1 && semantics.failed === 'refunded') return ZERO
  return listed.cost.minus(attributed)
}

/**
 * How many consecutive checks a drift must be seen at, the last with no create in flight, before it counts: a
 * create TensorPix charged whose answer is still on its way, or a terminal status the sync worker settles between
 * a check's reading and its ledger read, makes drift for one check and is gone at the next.
 */
export const PERSISTENT_CHECKS = 2

export interface CheckState { cumulativeDrift: Decimal, createsInFlight: number, alerted: boolean }

export interface Verdict {
  /** the drift is not transient: explain it by semantics, or alert */
  persistent: boolean
  /** announce it now (the first persistent check of its episode) */
  alert: boolean
  /** the episode was announced (carried until the drift is back to 0) */
  alerted: boolean
}

/** Whether a check's cumulative drift persists and is to be announced; `recent` = the previous checks, newest first. */
export function verdict (recent: CheckState[], current: Omit<CheckState, 'alerted'>): Verdict {
  if (current.cumulativeDrift.isZero()) return { persistent: false, alert: false, alerted: false }
  const seen = recent.slice(0, PERSISTENT_CHECKS - 1)
  const persistent = current.createsInFlight === 0 && seen.length === PERSISTENT_CHECKS - 1 &&
    seen.every(check => !check.cumulativeDrift.isZero())
  const announced = recent[0]?.alerted === true && !recent[0].cumulativeDrift.isZero()
  return { persistent, alert: persistent && !announced, alerted: announced || persistent }
}
