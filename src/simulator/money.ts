// Credits are decimal strings with four places on the wire (`cost_usd`, `balance_usd`); arithmetic never touches
// binary floats. A private Decimal clone keeps our rounding mode from leaking into other users of decimal.js.
import { Decimal as DecimalJs } from 'decimal.js'

export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_UP })
/** A credits amount. */
export type Amount = DecimalJs

export const ZERO = new Decimal(0)

/** Rounds half up to four places and renders like TensorPix: "12.3400". */
export function credits (value: DecimalJs.Value): string {
  return new Decimal(value).toDecimalPlaces(4).toFixed(4)
}

const CREDITS_PATTERN = /^-?\d{1,10}(\.\d{1,4})?$/

/** Parses a credits amount given as a decimal string; null when it is not one. */
export function parseCredits (value: string): Amount | null {
  return CREDITS_PATTERN.test(value) ? new Decimal(value) : null
}
