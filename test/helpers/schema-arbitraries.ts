// fast-check arbitraries generated from the routes' TypeBox (JSON) schemas: valid values, boundary violations,
// nasty values, and request bodies with exactly one thing wrong. An oracle that validates as the gateway does
// (ajv with Fastify's options for the data plane, plain JSON Schema for the control plane) filters out the rare
// mutation that happens to be valid, so a property can demand a refusal of every body it sends.
import fc from 'fast-check'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'

export interface Schema {
  type?: string
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean
  items?: Schema
  anyOf?: Schema[]
  enum?: unknown[]
  const?: unknown
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  pattern?: string
  format?: string
}

/** The fixed seed and run count of `npm test`; `npm run fuzz` raises FUZZ_RUNS (and may pick FUZZ_SEED). */
export const FUZZ = { seed: Number(process.env.FUZZ_SEED ?? 20261201), numRuns: Number(process.env.FUZZ_RUNS ?? 30) }

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

/** Validates as the data plane does: the app's ajv options (type coercion, defaults, extra fields refused). */
export function dataPlaneOracle (schema: Schema): (value: unknown) => boolean {
  const ajv = addFormats(new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: true, strictNumbers: false, strictSchema: false }))
  const validate = ajv.compile(schema)
  return value => validate(structuredClone(value))
}

/** Validates as the control plane does: JSON Schema without coercion. */
export function controlPlaneOracle (schema: Schema): (value: unknown) => boolean {
  const ajv = addFormats(new Ajv({ allErrors: true, strictSchema: false }))
  const validate = ajv.compile(schema)
  return value => validate(value ?? {})
}

const SAFE = 2 ** 40

function validString (s: Schema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0
  const max = s.maxLength ?? 40
  const fits = (v: string) => v.length >= min && v.length <= max
  if (s.format === 'uri') return fc.webUrl().filter(fits)
  if (s.format === 'uuid') return fc.uuid()
  if (s.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map(d => d.toISOString())
  if (s.format === 'date') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map(d => d.toISOString().slice(0, 10))
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter(fits)
  return fc.string({ minLength: min, maxLength: Math.min(max, min + 40) })
}

function validObject (s: Schema): fc.Arbitrary<Record<string, unknown>> {
  const properties = s.properties ?? {}
  const model = Object.fromEntries(Object.entries(properties).map(([key, p]) => [key, validValue(p)]))
  return fc.record(model, { requiredKeys: (s.required ?? []) as never[] }) as fc.Arbitrary<Record<string, unknown>>
}

export function validValue (s: Schema): fc.Arbitrary<unknown> {
  if ('const' in s) return fc.constant(s.const)
  if (s.enum) return fc.constantFrom(...s.enum)
  if (s.anyOf) return fc.oneof(...s.anyOf.map(validValue))
  switch (s.type) {
    case 'object': return validObject(s)
    case 'array': {
      const minLength = s.minItems ?? 0
      const maxLength = Math.min(s.maxItems ?? minLength + 3, minLength + 3)
      return s.uniqueItems
        ? fc.uniqueArray(validValue(s.items ?? {}), { minLength, maxLength })
        : fc.array(validValue(s.items ?? {}), { minLength, maxLength })
    }
    case 'integer': return fc.integer({ min: Math.max(s.minimum ?? -SAFE, -SAFE), max: Math.min(s.maximum ?? SAFE, SAFE) })
    case 'number': return fc.double({ min: s.minimum ?? -SAFE, max: s.maximum ?? SAFE, noNaN: true, noDefaultInfinity: true })
    case 'boolean': return fc.boolean()
    case 'null': return fc.constant(null)
    case 'string': return validString(s)
    default: return fc.jsonValue({ maxDepth: 2 })
  }
}

const nested = (depth: number): unknown => {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value]
  return value
}

/** Values that break parsers and validators: NaN-like strings, -0, huge numbers, odd unicode, deep nesting. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '-0', '1e999', '0x1f', '', ' ', 'null', 'true', '\u0000', '\ud800',
    '💥🎬', "'; DROP TABLE teams;--", '../../etc/passwd', '%00', '\u202e'),
  fc.constantFrom(-0, 1e308, -1e308, 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1, 0.1 + 0.2, true, false, null),
  fc.constantFrom({}, [], [[[]]], { $gt: '' }),
  fc.integer({ min: 1, max: 400 }).map(nested),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 })
)

/** Text PostgreSQL cannot store: a NUL or a surrogate without its pair, somewhere in ordinary text. */
export const unstorableString: fc.Arbitrary<string> = fc.tuple(
  fc.string({ maxLength: 10 }), fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'), fc.string({ maxLength: 10 })
).map(([before, bad, after]) => before + bad + after)

/** Text with a NUL in it: the only unstorable text a URL (UTF-8, percent-encoded) can carry. */
export const nulString: fc.Arbitrary<string> = fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))
  .map(([before, after]) => `${before}\u0000${after}`)

/** A valid object for `s` with unstorable text in one place: a string field's value, a new field's value or name. */
export function withUnstorableText (s: Schema): fc.Arbitrary<Record<string, unknown>> {
  const strings = Object.entries(s.properties ?? {})
    .filter(([, p]) => p.type === 'string' || p.anyOf?.some(branch => branch.type === 'string'))
    .map(([key]) => key)
  const placed = fc.oneof(
    ...strings.map(key => unstorableString.map(value => [key, value] as const)),
    unstorableString.map(value => ['note', value] as const),
    unstorableString.map(key => [key, 'x'] as const)
  )
  return fc.tuple(validObject(s), placed).map(([body, [key, value]]) => ({ ...body, [key]: value }))
}

/** Values just outside the schema's bounds. */
export function boundaryViolation (s: Schema): fc.Arbitrary<unknown> {
  const out: unknown[] = []
  if (s.maximum !== undefined) out.push(s.maximum + 1, s.maximum * 10 + 1)
  if (s.minimum !== undefined) out.push(s.minimum - 1, s.minimum - 0.5)
  if (s.type === 'integer') out.push((s.minimum ?? 0) + 0.5)
  if (s.maxLength !== undefined) out.push('x'.repeat(s.maxLength + 1))
  if ((s.minLength ?? 0) > 0) out.push('')
  if (s.maxItems !== undefined) out.push(Array.from({ length: s.maxItems + 1 }, () => 1))
  if ((s.minItems ?? 0) > 0) out.push([])
  if (s.enum || s.anyOf) out.push('bogus', 12345)
  if (s.format) out.push(`not a ${s.format}`)
  if (s.pattern) out.push('   ')
  return out.length > 0 ? fc.constantFrom(...out) : nastyValue
}

/** An object for `s` with one thing wrong: a required field gone, one field broken, a field too many, or no object. */
export function mutatedBody (s: Schema): fc.Arbitrary<unknown> {
  const keys = Object.keys(s.properties ?? {})
  const required = s.required ?? []
  const options: Array<fc.Arbitrary<unknown>> = [nastyValue.filter(v => v === null || typeof v !== 'object' || Array.isArray(v))]
  if (required.length > 0) {
    options.push(fc.tuple(validObject(s), fc.constantFrom(...required)).map(([body, key]) => {
      delete body[key]
      return body
    }))
  }
  if (keys.length > 0) {
    options.push(fc.tuple(validObject(s), fc.constantFrom(...keys)).chain(([body, key]) => {
      const property = (s.properties ?? {})[key] as Schema
      const broken = property.type === 'object' ? mutatedBody(property) : fc.oneof(boundaryViolation(property), nastyValue)
      return broken.map(value => ({ ...body, [key]: value }))
    }))
  }
  if (s.additionalProperties === false) {
    options.push(fc.tuple(
      validObject(s), fc.string({ minLength: 1, maxLength: 12 }).filter(k => !keys.includes(k)), nastyValue
    )
      .map(([body, key, value]) => ({ ...body, [key]: value })))
  }
  return fc.oneof(...options)
}

/** JSON text with `key` twice: a harmless first value, and the value to send last (JSON.parse keeps the last). */
export function withDuplicateKey (body: Record<string, unknown>, key: string, first: unknown): string {
  const text = JSON.stringify(body)
  const rest = text === '{}' ? '}' : `,${text.slice(1)}`
  return `{${JSON.stringify(key)}:${JSON.stringify(first) ?? 'null'}${rest}`
}
