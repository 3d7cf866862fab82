// Budget state on create and job answers (x-credits-remaining, x-credits-held), so clients can slow down before they
// hit 402, and the balance endpoint. Clients poll job answers, so each replica keeps the state per team and drops a
// team's entry when the database says it changed: every credit movement NOTIFYs USAGE_CHANNEL in its transaction
// (ledger/), and a change to a team's settings (its budget, its period) the key channel, which the auth caches hear.
//
// How stale an answer can be: by the delivery delay of that notification after the commit (well under a
// millisecond on one host); never when this replica moved the money itself and asked for `fresh`; and never while
// the change feed is down, when every read goes to the database. Nothing that decides money reads this: a hold is a
// conditional UPDATE of the usage row (ledger/money.ts), so a stale header cannot let a budget be overspent.
import type { Db } from '../db/client.ts'
import type { ChangeFeed, Subscriber } from '../db/change-feed.ts'
import { KEY_CHANNEL, type Invalidation } from '../auth/key-cache.ts'
import { formatCredits, remainingCredits } from './balance.ts'
import { currentPeriod, readUsage, USAGE_CHANNEL } from './usage.ts'
import { periodEnd } from '../policy/period.ts'
import type { Decimal } from 'decimal.js'

export interface Balance {
  remaining: Decimal
  held: Decimal
  headers: { 'x-credits-remaining': string, 'x-credits-held': string }
}

interface Entry { balance: Balance, periodEndsAt: number }

async function readBalance (db: Db, teamId: string, now: Date): Promise<Entry> {
  const team = await db.team.findUniqueOrThrow({
    where: { id: teamId },
    select: { id: true, budgetCredits: true, budgetPeriod: true }
  })
  const usage = await readUsage(db, currentPeriod(team, now))
  const remaining = remainingCredits({ credits: team.budgetCredits.toString(), overdraft: 0, ...usage })
  return {
    balance: {
      remaining,
      held: usage.held,
      headers: { 'x-credits-remaining': formatCredits(remaining), 'x-credits-held': formatCredits(usage.held) }
    },
    periodEndsAt: periodEnd(team.budgetPeriod, now).getTime()
  }
}

/** Per-team budget state for answers; one entry per team that was asked about (teams are few). */
export class Balances implements Subscriber {
  private readonly entries = new Map<string, Entry>()
  // bumped by every change notice: a state read before one may miss it and is not kept
  private generation = 0

  constructor (private readonly db: Db, private readonly feed: Pick<ChangeFeed, 'live' | 'subscribe'>) {
    feed.subscribe([USAGE_CHANNEL, KEY_CHANNEL], this)
  }

  /** The team's budget state as of the last change this replica has heard of (or made: see forget). */
  async of (teamId: string, now = new Date()): Promise<Balance> {
    const entry = this.feed.live ? this.entries.get(teamId) : undefined
    if (entry && now.getTime() < entry.periodEndsAt) return entry.balance
    const generation = this.generation
    const read = await readBalance(this.db, teamId, now)
    if (this.feed.live && generation === this.generation) this.entries.set(teamId, read)
    return read.balance
  }

  /** Call after this replica committed a movement of the team's money: its own answers show it at once. */
  forget (teamId: string): void {
    this.generation++
    this.entries.delete(teamId)
  }

  changed (channel: string, payload: string): void {
    if (channel === USAGE_CHANNEL) return this.forget(payload)
    this.generation++
    let what: Invalidation
    try {
      what = JSON.parse(payload) as Invalidation
    } catch {
      return this.reset()
    }
    if ('all' in what) this.entries.clear()
    else if ('teamId' in what) this.entries.delete(what.teamId)
  }

  reset (): void {
    this.generation++
    this.entries.clear()
  }
}
