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
