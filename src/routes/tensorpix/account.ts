import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { formatCredits } from '../../ledger/balance.ts'
import { teamOf, type DataPlaneDeps } from './context.ts'
import { errorResponses } from './schemas.ts'

// The team's remaining budget in TensorPix's CreditsBalance shape: a team never sees the master account's balance.
export const accountRoutes: FastifyPluginAsyncTypebox<DataPlaneDeps> = async (app, { balances }) => {
  app.get('/accounts/profile/balance/', {
    schema: {
      tags: ['tensorpix'],
      operationId: 'accounts_profile_balance_retrieve',
      summary: "The team's remaining credits this period",
      response: { 200: Type.Object({ balance_usd: Type.String({ description: 'credits remaining (budget + adjustments − charged − held)' }) }), ...errorResponses }
    }
  }, async request => {
    const { remaining } = await balances.of(teamOf(request).teamId)
    return { balance_usd: formatCredits(remaining) }
  })
}
