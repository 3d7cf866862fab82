// A recorded top-up as the API shows it.
import type { AccountTopUp } from '../../generated/prisma/client.ts'
import { creditsOut } from '../credits.ts'
import type { TopUpView } from './schemas.ts'

export function topUpView (row: AccountTopUp): TopUpView {
  return {
    id: row.id,
    amount: creditsOut(row.amount),
    at: row.at.toISOString(),
    note: row.note,
    actorKeyId: row.actorKeyId,
    createdAt: row.createdAt.toISOString()
  }
}
