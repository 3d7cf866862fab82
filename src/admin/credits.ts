// Credits cross the admin API as decimal strings (up to 4 places, as stored in NUMERIC(18,4)) and are handled as
// Decimal, never as binary floats.
import { Decimal } from 'decimal.js'
import { formatCredits } from '../ledger/balance.ts'

export const CREDITS_PATTERN = '^\\d{1,14}(\\.\\d{1,4})?$'
export const SIGNED_CREDITS_PATTERN = '^[+-]?\\d{1,14}(\\.\\d{1,4})?$'

/** A validated credits string as a Decimal. */
export function credits (value: string): Decimal {
  return new Decimal(value)
}

/** A stored Prisma Decimal (or a Decimal) as the API's 4-place string. */
export function creditsOut (value: { toString(): string }): string {
  return formatCredits(value.toString())
}
