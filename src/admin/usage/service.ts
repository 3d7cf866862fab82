// The usage view of a team and budget adjustments. Reads come from the period usage row (O(1)) plus grouped
// counts; an adjustment is a ledger `adjust` row (recordAdjustment) audited in the same transaction.
import type { Db, Prisma } from '../../db/client.ts'
import type { Team } from '../../generated/prisma/client.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { currentPeriod, readUsage, recordAdjustment } from '../../ledger/usage.ts'
import { periodEnd, utcDay } from '../../policy/period.ts'
import type { Actor } from '../actor.ts'
import { writeAudit } from '../audit/service.ts'
import { credits, creditsOut } from '../credits.ts'
import { invalid } from '../../errors/problems.ts'
import { lockTeam } from '../teams/service.ts'
import type { AdjustmentCreate, AdjustmentView, UsageView } from './schemas.ts'
import { ACTIVE_JOB_STATES, isoDay, keyBreakdown, totals } from './view.ts'

const budgetOf = (team: Team) => ({
  credits: team.budgetCredits.toString(), overdraft: team.overdraftCredits.toString()
})

export class UsageService {
  constructor (private readonly db: Db, private readonly clock: () => Date = () => new Date()) {}

  async view (slug: string): Promise<UsageView> {
    const team = await this.db.team.findUnique({ where: { slug } })
    if (!team) throw new GatewayError('not_found', `Team ${slug}`)
    const now = this.clock()
    const period = currentPeriod(team, now)
    const [usage, keys, sums, today, active] = await Promise.all([
      readUsage(this.db, period),
      this.db.apiKey.findMany({ where: { teamId: team.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
      this.db.ledgerEntry.groupBy({
        by: ['apiKeyId', 'kind'],
        where: { teamId: team.id, periodStart: period.periodStart, kind: { in: ['hold', 'release', 'charge', 'refund'] } },
        _sum: { amount: true }
      }),
      this.jobCounts({ teamId: team.id, createdAt: { gte: utcDay(now) } }),
      this.jobCounts({ teamId: team.id, state: { in: [...ACTIVE_JOB_STATES] } })
    ])
    const sum = (counts: { count: number }[]) => counts.reduce((n, c) => n + c.count, 0)
    return {
      team: team.slug,
      period: {
        kind: team.budgetPeriod, start: isoDay(period.periodStart), end: isoDay(periodEnd(team.budgetPeriod, now))
      },
      budget: {
        credits: creditsOut(team.budgetCredits), overdraft: creditsOut(team.overdraftCredits), mode: team.budgetMode
      },
      ...totals(usage, budgetOf(team)),
      jobsToday: sum(today),
      activeJobs: sum(active),
      keys: keyBreakdown(
        keys, sums.map(s => ({ apiKeyId: s.apiKeyId, kind: s.kind, amount: s._sum.amount })), today, active
      )
    }
  }

  async adjust (actor: Actor, slug: string, input: AdjustmentCreate): Promise<AdjustmentView> {
    const amount = credits(input.amount)
    if (amount.isZero()) throw invalid([{ field: 'body.amount', message: 'must not be zero' }])
    const reason = input.reason.trim()
    return this.db.$transaction(async tx => {
      // locked so concurrent adjustments of one team are audited with consistent before/after figures
      const team = await lockTeam(tx, slug)
      const period = currentPeriod(team, this.clock())
      const before = totals(await readUsage(tx, period), budgetOf(team))
      const entry = await recordAdjustment(tx, { ...period, amount, reason, actorKeyId: actor.keyId })
      const after = totals(await readUsage(tx, period), budgetOf(team))
      const view: AdjustmentView = {
        id: entry.id.toString(),
        team: team.slug,
        amount: creditsOut(entry.amount),
        reason,
        periodStart: isoDay(period.periodStart),
        actorKeyId: entry.actorKeyId,
        createdAt: entry.createdAt.toISOString(),
        adjusted: after.adjusted,
        remaining: after.remaining
      }
      await writeAudit(tx, actor, {
        action: 'budget.adjust',
        targetType: 'team',
        targetId: team.id,
        before: { adjusted: before.adjusted, remaining: before.remaining },
        after: { ...view }
      })
      return view
    })
  }

  private async jobCounts (where: Prisma.JobWhereInput) {
    const groups = await this.db.job.groupBy({ by: ['apiKeyId'], where, _count: { _all: true } })
    return groups.map(g => ({ apiKeyId: g.apiKeyId, count: g._count._all }))
  }
}
