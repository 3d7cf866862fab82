// Pure budget arithmetic on Decimal: remaining = credits + adjusted - charged - held (overdraft is the extra room a
// hard budget allows below zero, not part of what is "remaining").
import { Decimal } from 'decimal.js'

export interface BudgetState {
  credits: Decimal.Value
  overdraft: Decimal.Value
  charged: Decimal.Value
  held: Decimal.Value
  adjusted: Decimal.Value
}

export function remainingCredits (s: BudgetState): Decimal {
  return new Decimal(s.credits).plus(s.adjusted).minus(s.charged).minus(s.held)
}

/** Credits as TensorPix writes them: a decimal string with 4 places. */
export function formatCredits (value: Decimal.Value): string {
  const rounded = new Decimal(value).toDecimalPlaces(4)
  // -0.00001 rounds to zero, which has no sign in a statement
  return (rounded.isZero() ? new Decimal(0) : rounded).toFixed(4)
}

// TensorPix's decimal strings (its pattern ^-?\d{0,6}(?:\.\d{0,4})?$, so ".5" too) with at least one digit, never
// negative
const REPORTED_CREDITS = /^(?=\.?\d)\d{0,6}(?:\.\d{0,4})?$/

/**
 * A cost as TensorPix reports it, or null when it cannot be read. A negative cost is unreadable too: charging it
 * would credit the team with money TensorPix never paid back.
 */
export function readCredits (value: unknown): Decimal | null {
  return typeof value === 'string' && REPORTED_CREDITS.test(value) ? new Decimal(value) : null
}
