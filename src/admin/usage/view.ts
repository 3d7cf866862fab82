// Pure assembly of the usage view from grouped counts and sums. Money stays Decimal until formatted.
import { Decimal } from 'decimal.js'
import { displayPrefix } from '../../auth/key-format.ts'
import { remainingCredits } from '../../ledger/balance.ts'
import type { PeriodUsage } from '../../ledger/usage.ts'
import { creditsOut } from '../credits.ts'
import type { KeyUsageView } from './schemas.ts'

export const ACTIVE_JOB_STATES = ['pending', 'unknown', 'queued', 'processing'] as const

export interface LedgerSum { apiKeyId: string | null, kind: string, amount: { toString(): string } | null }
export interface KeyCount { apiKeyId: string, count: number }
export interface KeyInfo { id: string, publicId: string, name: string, revokedAt: Date | null }

// how each ledger kind moves a key's charged and held totals
const EFFECT: Record<string, { charged: number, held: number }> = {
  charge: { charged: 1, held: 0 },
  refund: { charged: -1, held: 0 },
  hold: { charged: 0, held: 1 },
  release: { charged: 0, held: -1 }
}

interface Tally { charged: Decimal, held: Decimal }

function tallyByKey (sums: readonly LedgerSum[]): Map<string, Tally> {
  const tallies = new Map<string, Tally>()
  for (const sum of sums) {
    const effect = EFFECT[sum.kind]
    if (!sum.apiKeyId || !effect || !sum.amount) continue
    const tally = tallies.get(sum.apiKeyId) ?? { charged: new Decimal(0), held: new Decimal(0) }
    const amount = new Decimal(sum.amount.toString())
    tally.charged = tally.charged.plus(amount.times(effect.charged))
    tally.held = tally.held.plus(amount.times(effect.held))
    tallies.set(sum.apiKeyId, tally)
  }
  return tallies
}

const countOf = (counts: readonly KeyCount[]) => new Map(counts.map(c => [c.apiKeyId, c.count]))

/** One row per key that is not revoked or still has activity this period. */
export function keyBreakdown (
  keys: readonly KeyInfo[],
  sums: readonly LedgerSum[],
  today: readonly KeyCount[],
  active: readonly KeyCount[]
): KeyUsageView[] {
  const tallies = tallyByKey(sums)
  const jobsToday = countOf(today)
  const activeJobs = countOf(active)
  return keys.flatMap(key => {
    const tally = tallies.get(key.id)
    const row = {
      id: key.id,
      prefix: displayPrefix(key.publicId),
      name: key.name,
      charged: creditsOut(tally?.charged ?? 0),
      held: creditsOut(tally?.held ?? 0),
      jobsToday: jobsToday.get(key.id) ?? 0,
      activeJobs: activeJobs.get(key.id) ?? 0
    }
    const idle = !tally && row.jobsToday === 0 && row.activeJobs === 0
    return key.revokedAt && idle ? [] : [row]
  })
}

export function totals (usage: PeriodUsage, budget: { credits: Decimal.Value, overdraft: Decimal.Value }) {
  return {
    charged: creditsOut(usage.charged),
    held: creditsOut(usage.held),
    adjusted: creditsOut(usage.adjusted),
    remaining: creditsOut(remainingCredits({ ...budget, ...usage }))
  }
}

export const isoDay = (date: Date) => date.toISOString().slice(0, 10)
