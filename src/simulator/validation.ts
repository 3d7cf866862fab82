// Maps JSON-schema validation errors onto Django REST Framework's per-field messages, and applies the rules a
// schema cannot express (model ids, one model per task, end_frame > start_frame). Pure.
import { findModel, TASKS, type MLModel } from './catalogue.ts'
import type { FieldErrors } from './errors.ts'
import { BOOLEAN_FIELDS, NULLABLE_FIELDS } from './request-schemas.ts'

/** The parts of an Ajv error this module reads (Fastify's FastifySchemaValidationError has them all). */
export interface SchemaIssue {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

const TYPE_MESSAGES: Record<string, string> = {
  integer: 'A valid integer is required.',
  number: 'A valid number is required.',
  boolean: 'Must be a valid boolean.',
  string: 'Not a valid string.'
}

function valueAt (body: unknown, pointer: string): unknown {
  let value: unknown = body
  for (const part of pointer.split('/').slice(1)) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined
  }
  return value
}

function messageFor (issue: SchemaIssue, body: unknown): string | null {
  const limit = issue.params.limit
  switch (issue.keyword) {
    case 'required': return 'This field is required.'
    case 'type': {
      const expected = String(issue.params.type).split(',')[0] ?? ''
      if (expected === 'array') return `Expected a list of items but got type "${pythonType(valueAt(body, issue.instancePath))}".`
      return TYPE_MESSAGES[expected] ?? 'Invalid value.'
    }
    case 'enum': return `"${String(valueAt(body, issue.instancePath))}" is not a valid choice.`
    case 'minimum': return `Ensure this value is greater than or equal to ${String(limit)}.`
    case 'maximum': return `Ensure this value is less than or equal to ${String(limit)}.`
    case 'maxLength': return `Ensure this field has no more than ${String(limit)} characters.`
    case 'minLength': return 'This field may not be blank.'
    case 'minItems': return 'This list may not be empty.'
    case 'format': return issue.params.format === 'uri' ? 'Enter a valid URL.' : 'Invalid value.'
    default: return null
  }
}

function pythonType (value: unknown): string {
  if (Array.isArray(value)) return 'list'
  if (value === null || value === undefined) return 'NoneType'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  return { string: 'str', boolean: 'bool' }[typeof value as string] ?? typeof value
}

/** Groups schema issues by top-level field, one DRF message per distinct problem; body-level ones are non-field. */
export function schemaIssuesToErrors (
  issues: readonly SchemaIssue[],
  body: unknown
): { errors: FieldErrors, nonField: string[] } {
  const errors: FieldErrors = {}
  const nonField: string[] = []
  for (const issue of issues) {
    const field = issue.keyword === 'required'
      ? String(issue.params.missingProperty)
      : issue.instancePath.split('/')[1]
    if (field === undefined) {
      nonField.push(`Invalid data. Expected a dictionary, but got ${pythonType(body)}.`)
      continue
    }
    const message = messageFor(issue, body)
    if (message === null) continue
    const list = errors[field] ??= []
    if (!list.includes(message)) list.push(message)
  }
  return { errors, nonField: [...new Set(nonField)] }
}

// DRF's BooleanField spellings. Not shared with the gateway's src/tensorpix/form.ts: the simulator is an independent
// oracle of TensorPix (docs/architecture.md), so a wrong reading cannot hide in both.
const DRF_BOOLEANS = new Map<string, boolean>([
  ...['t', 'y', 'yes', 'true', 'on', '1'].map(v => [v, true] as const),
  ...['f', 'n', 'no', 'false', 'off', '0'].map(v => [v, false] as const)
])

/**
 * DRF reads booleans from "True"/"yes"/"on"/"1" and nullable integers from "" (what Python's requests sends for
 * None-ish form values); JSON-schema coercion does not. Mutates and returns the body before validation.
 */
export function normaliseFormValues (body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body
  const fields = body as Record<string, unknown>
  for (const name of BOOLEAN_FIELDS) {
    const value = fields[name]
    const read = typeof value === 'string' ? DRF_BOOLEANS.get(value.trim().toLowerCase()) : undefined
    if (read !== undefined) fields[name] = read
  }
  for (const name of NULLABLE_FIELDS) {
    if (fields[name] === '' || fields[name] === 'null') fields[name] = null
  }
  return body
}

export interface JobRuleInput {
  ml_models?: unknown
  start_frame?: number | null
  end_frame?: number | null
  preview?: boolean
}

export type JobBodyCheck = { ok: true, models: MLModel[] } | { ok: false, errors: FieldErrors, nonField: string[] }

/**
 * DRF's order: field errors (schema issues, plus unknown model ids, which are field-level in DRF) are reported
 * together; object-level rules (one model per task, end_frame > start_frame) run only once the fields are valid.
 * Returns the models in pipeline order.
 */
export function checkJobBody (issues: readonly SchemaIssue[], body: JobRuleInput | null): JobBodyCheck {
  const { errors, nonField } = schemaIssuesToErrors(issues, body)
  // a body that is no dictionary (JSON null, a list) has no fields to look further into
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, errors, nonField }
  const models: MLModel[] = []
  if (!errors.ml_models && Array.isArray(body.ml_models)) {
    const unknown: string[] = []
    for (const id of body.ml_models as number[]) {
      const model = findModel(id)
      if (model) models.push(model)
      else unknown.push(`Invalid pk "${id}" - object does not exist.`)
    }
    if (unknown.length) errors.ml_models = unknown
  }
  if (Object.keys(errors).length || nonField.length) return { ok: false, errors, nonField }
  const byTask = new Map<number, MLModel>()
  for (const model of models) {
    const clash = byTask.get(model.task)
    if (clash && clash.id !== model.id) {
      (errors.ml_models ??= []).push(`Only one model per task is allowed: ${clash.id} and ${model.id} are both ${TASKS[model.task]} models.`)
    }
    byTask.set(model.task, model)
  }
  const start = body.start_frame ?? null
  const end = body.end_frame ?? null
  if (!body.preview && end !== null && end <= (start ?? 0)) errors.end_frame = ['end_frame must be greater than start_frame.']
  if (Object.keys(errors).length) return { ok: false, errors, nonField }
  return { ok: true, models: [...byTask.values()].sort((a, b) => a.priority - b.priority) }
}

/** Models whose max_resolution the input exceeds, as ml_models messages. */
export function resolutionErrors (models: readonly MLModel[], width: number, height: number): string[] {
  return models
    .filter(model => width * height > model.max_resolution)
    .map(model => `${model.name} accepts inputs up to ${model.max_resolution} pixels; this video is ${width}x${height}.`)
}
