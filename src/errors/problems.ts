// Bad input is reported field by field, every field at once: `{ field: 'body.budget.credits', message }`. The one
// place validator errors become field problems, for every route answering in the gateway envelope.
import { GatewayError } from './gateway-error.ts'

export interface FieldProblem { field: string, message: string }

/** What a schema validator reports (ajv and TypeBox share this shape). */
export interface SchemaError {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string | undefined
}

export function invalid (problems: FieldProblem[]): GatewayError {
  return new GatewayError('bad_request').with({ details: problems })
}

const joinPath = (context: string, pointer: string) =>
  [context, ...pointer.split('/').filter(Boolean)].filter(Boolean).join('.')

function problemsOf (context: string, error: SchemaError): FieldProblem[] {
  if (error.keyword === 'required') {
    const missing = (error.params.requiredProperties ?? [error.params.missingProperty]) as string[]
    return missing.map(name => ({ field: joinPath(context, `${error.instancePath}/${name}`), message: 'is required' }))
  }
  // the parent's summary of unknown properties; each one is also reported at its own path
  if (error.keyword === 'additionalProperties') return []
  const message = error.keyword === 'boolean' ? 'is not a known property' : error.message ?? 'is invalid'
  return [{ field: joinPath(context, error.instancePath), message }]
}

/**
 * One problem per offending field. A union reports each branch it tried; the first branch is the informative one
 * (e.g. "must match pattern" rather than "must be null"), so later messages for the same field are dropped.
 */
export function schemaProblems (context: string, errors: readonly SchemaError[]): FieldProblem[] {
  const byField = new Map<string, FieldProblem>()
  for (const error of errors) {
    for (const problem of problemsOf(context, error)) {
      if (!byField.has(problem.field)) byField.set(problem.field, problem)
    }
  }
  return [...byField.values()]
}

/** The keyword of a complaint about text PostgreSQL cannot store (see unstorableText). */
export const UNSTORABLE_TEXT = 'unstorableText'

// with the u flag a surrogate pair is one code point outside this range, so only a surrogate without its pair matches
const LONE_SURROGATE = /[\ud800-\udfff]/u

/** The first character of `text` PostgreSQL cannot store, as a code point; null when it can store all of it. */
export function unstorableCodePoint (text: string): number | null {
  if (text.includes('\u0000')) return 0
  return LONE_SURROGATE.exec(text)?.[0].codePointAt(0) ?? null
}

function unstorableAt (text: string, instancePath: string): SchemaError[] {
  const codePoint = unstorableCodePoint(text)
  if (codePoint === null) return []
  const name = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`
  const message = codePoint === 0 ? `must not contain ${name} (NUL)` : `must not contain ${name}, a surrogate without its pair`
  return [{ keyword: UNSTORABLE_TEXT, instancePath, params: { codePoint }, message }]
}

/**
 * Every string in a request value, property names included, that PostgreSQL's text and jsonb cannot hold: U+0000,
 * and a UTF-16 surrogate without its pair (UTF-8 has no encoding for it). Each is a complaint at its JSON pointer, as
 * a schema validator would report it, so every plane words it the way it words schema errors.
 */
export function unstorableText (value: unknown, instancePath = ''): SchemaError[] {
  if (typeof value === 'string') return unstorableAt(value, instancePath)
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, item]) => {
    const path = `${instancePath}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
    return [...unstorableAt(key, path), ...unstorableText(item, path)]
  })
}
