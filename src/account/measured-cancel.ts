// What the account's balance showed across the gateway's own DELETE of a job (src/account/cancel-bracket.ts) says
// about the cancel's money. TensorPix may report a cancelled job's cost_usd net of its refund or as created (API.md
// §10 leaves it open); the balance is the truth either way. Pure.
import { Decimal } from 'decimal.js'

/**
 * What a cancelled job costs the team when the balance rose by `refund` across its DELETE: its create cost less that
 * refund. Null when the measurement cannot be the cancel's refund (negative, more than the job cost) or contradicts
 * the reported cost_usd, which must show either the same refund (a net report) or none (a gross report): then the
 * account's semantics decide, as for a cancel that was not measured.
 */
export function measuredCancelCost (createCost: Decimal | null, reported: Decimal | null, refund: Decimal):
Decimal | null {
  if (createCost === null || refund.isNegative() || refund.gt(createCost)) return null
  const net = createCost.minus(refund)
  if (reported !== null && !reported.equals(net) && !reported.equals(createCost)) return null
  return net
}
