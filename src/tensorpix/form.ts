// How Django REST Framework (TensorPix's backend) reads a job body's form fields, which JSON-schema coercion does
// not: "True", "yes", "on", "1" and their opposites for booleans, "" for null. And null for a nullable option means
// "not set": dropped before validation, because ajv's type coercion would otherwise turn it into 0 (start_frame) or
// refuse it (target_fps), where TensorPix takes it.
const TRUE_VALUES = new Set(['t', 'y', 'yes', 'true', 'on', '1'])
const FALSE_VALUES = new Set(['f', 'n', 'no', 'false', 'off', '0'])
const BOOLEAN_FIELDS = ['comparison', 'preview']
const UNSET_WHEN_NULL = ['start_frame', 'end_frame', 'target_fps']

/** Turns DRF's boolean spellings into booleans, in place; anything else is left for validation to refuse. */
function readDrfBooleans (fields: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const value = fields[name]
    if (typeof value !== 'string') continue
    const lowered = value.trim().toLowerCase()
    if (TRUE_VALUES.has(lowered)) fields[name] = true
    else if (FALSE_VALUES.has(lowered)) fields[name] = false
  }
}

/** Reads a create body (JSON, form-urlencoded or multipart) as DRF would, in place, before it is validated. */
export function normaliseJobFields (body: unknown): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return
  const fields = body as Record<string, unknown>
  readDrfBooleans(fields, BOOLEAN_FIELDS)
  if (fields.input_video === '' || fields.input_video === 'null') fields.input_video = null
  for (const name of UNSET_WHEN_NULL) {
    if (fields[name] === null || fields[name] === '' || fields[name] === 'null') delete fields[name]
  }
}
