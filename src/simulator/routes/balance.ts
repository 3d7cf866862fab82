import { accountOf } from '../auth.ts'
import type { SimApp } from '../context.ts'
import { credits } from '../money.ts'
import type { Static } from 'typebox'
import type { BalanceSchema } from '../response-schemas.ts'

export function balanceRoutes (app: SimApp) {
  app.get('/accounts/profile/balance/', async (request): Promise<Static<typeof BalanceSchema>> => ({
    balance_usd: credits(accountOf(request).balance)
  }))
}
