// The one error class: a catalogue code with its status and message, and what an answer carries besides. Thrown
// from anywhere; the plane's renderer decides the shape, so nothing here knows about HTTP bodies.
import { CATALOGUE, REPORTED, type ErrorCode, type MessageArgs } from './catalogue.ts'
import type { FieldProblem } from './problems.ts'

export interface ErrorExtras {
  /** The one request field a refusal is about: TensorPix renders it as a ValidationError on that field. */
  field?: string
  /** Every offending field, for the control plane. */
  details?: readonly FieldProblem[]
  headers?: Readonly<Record<string, string>>
  /** Fields the data-plane body carries besides its detail (gateway_job_id). */
  extra?: Readonly<Record<string, unknown>>
  /** TensorPix's own error body, forwarded untouched. */
  upstreamBody?: Readonly<Record<string, unknown>>
}

export class GatewayError<C extends ErrorCode = ErrorCode> extends Error {
  readonly statusCode: number
  readonly args: MessageArgs<C>
  readonly field?: string
  readonly details?: readonly FieldProblem[]
  readonly headers: Readonly<Record<string, string>> = {}
  readonly extra?: Readonly<Record<string, unknown>>
  readonly upstreamBody?: Readonly<Record<string, unknown>>

  constructor (readonly code: C, ...args: MessageArgs<C>) {
    const entry = CATALOGUE[code]
    super((entry.message as (...values: unknown[]) => string)(...args))
    this.name = 'GatewayError'
    this.args = args
    this.statusCode = entry.status === REPORTED ? args[0] as number : entry.status
  }

  /** Adds what the answer carries besides code and message; called where the error is made. */
  with (extras: ErrorExtras): this {
    return Object.assign(this, extras)
  }
}
