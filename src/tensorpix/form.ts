// How Django REST Framework (TensorPix's backend) reads booleans from form fields, which JSON-schema coercion does
// not: "True", "yes", "on", "1" and their opposites. Shared by the data plane and the simulator.
const TRUE_VALUES = new Set(['t', 'y', 'yes', 'true', 'on', '1'])
const FALSE_VALUES = new Set(['f', 'n', 'no', 'false', 'off', '0'])

/** Turns DRF's boolean spellings into booleans, in place; anything else is left for validation to refuse. */
export function readDrfBooleans (fields: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const value = fields[name]
    if (typeof value !== 'string') continue
    const lowered = value.trim().toLowerCase()
    if (TRUE_VALUES.has(lowered)) fields[name] = true
    else if (FALSE_VALUES.has(lowered)) fields[name] = false
  }
}
