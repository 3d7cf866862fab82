// Top-ups of the master account: recorded by an operator (audited in the same transaction), read by the account
// check (src/workers/account-check.ts) as part of what explains the balance.
import type { Db } from '../../db/client.ts'
import { invalid } from '../../errors/problems.ts'
import type { Actor } from '../actor.ts'
import { writeAudit } from '../audit/service.ts'
import { credits } from '../credits.ts'
import type { TopUpCreate, TopUpList, TopUpView } from './schemas.ts'
import { topUpView } from './view.ts'

const LISTED = 500

export class AccountService {
  constructor (private readonly db: Db, private readonly clock: () => Date = () => new Date()) {}

  async recordTopUp (actor: Actor, input: TopUpCreate): Promise<TopUpView> {
    const amount = credits(input.amount)
    if (amount.isZero()) throw invalid([{ field: 'body.amount', message: 'must not be zero' }])
    const at = input.at === undefined ? this.clock() : new Date(input.at)
    if (Number.isNaN(at.getTime())) throw invalid([{ field: 'body.at', message: 'must be an ISO 8601 date-time' }])
    return this.db.$transaction(async tx => {
      const row = await tx.accountTopUp.create({
        data: { amount: amount.toFixed(4), at, note: input.note.trim(), actorKeyId: actor.keyId }
      })
      const recorded = topUpView(row)
      await writeAudit(tx, actor, {
        action: 'account.top_up', targetType: 'account', targetId: row.id, before: null, after: { ...recorded }
      })
      return recorded
    })
  }

  async topUps (): Promise<TopUpList> {
    const rows = await this.db.accountTopUp.findMany({ orderBy: [{ at: 'desc' }, { id: 'asc' }], take: LISTED })
    return { topUps: rows.map(topUpView) }
  }
}
