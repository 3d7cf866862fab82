// Behaviours TensorPix does not document and the gateway has to survive either way: list order, what `started`
// means, whether answers echo requests as sent, when an output appears, and how much an unfinished job gives back.
// The defaults are the simulator's original guesses; a test picks another one at start (`behaviour` option) or at
// runtime (PUT /__sim/behaviour).
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { PROCESSING_CANCEL_REFUND } from './pricing.ts'

/** A share of a job's cost, '0' .. '1', as a decimal string with at most four places. */
const Fraction = Type.String({ pattern: '^(0(\\.\\d{1,4})?|1(\\.0{1,4})?)$', description: "'0' .. '1'" })
const CostReport = Type.Union([Type.Literal('net'), Type.Literal('gross')])

export const BehaviourChangeSchema = Type.Object({
  jobListOrder: Type.Optional(Type.Union([Type.Literal('newest'), Type.Literal('oldest')])),
  startedMeaning: Type.Optional(Type.Union([Type.Literal('created'), Type.Literal('processing')])),
  echo: Type.Optional(Type.Union([Type.Literal('verbatim'), Type.Literal('normalised')])),
  outputVideoAfterPolls: Type.Optional(Type.Integer({ minimum: 0 })),
  cancelCostReport: Type.Optional(CostReport),
  cancelRefund: Type.Optional(Type.Object({
    queued: Type.Optional(Fraction),
    processing: Type.Optional(Fraction)
  }, { additionalProperties: false })),
  failureRefund: Type.Optional(Fraction),
  failureCostReport: Type.Optional(CostReport)
}, { additionalProperties: false })
/** A partial change, as the option and PUT /__sim/behaviour take it. */
export type BehaviourChange = Static<typeof BehaviourChangeSchema>

export interface Behaviour {
  /** Order of GET /api/jobs/ and /api/jobs/history/. */
  jobListOrder: 'newest' | 'oldest'
  /** `started` is the creation time, or the processing start (null while queued). */
  startedMeaning: 'created' | 'processing'
  /** Job answers echo the request as sent, or with omitted frames filled in and the source URL serialised. */
  echo: 'verbatim' | 'normalised'
  /** GETs of a finished job (detail, list, history) that still show `output_video: null`. */
  outputVideoAfterPolls: number
  /** `cost_usd` of a cancelled job: the cost minus the refund, or the cost as created. */
  cancelCostReport: 'net' | 'gross'
  /** Share of the cost a cancel refunds, by the phase the job was in. */
  cancelRefund: { queued: string, processing: string }
  /** Share of the cost a failure refunds. */
  failureRefund: string
  /** `cost_usd` of a failed job: the cost minus the refund, or the cost as created. */
  failureCostReport: 'net' | 'gross'
}

export const DEFAULT_BEHAVIOUR: Readonly<Behaviour> = Object.freeze({
  jobListOrder: 'newest',
  startedMeaning: 'created',
  echo: 'verbatim',
  outputVideoAfterPolls: 0,
  cancelCostReport: 'net',
  cancelRefund: Object.freeze({ queued: '1', processing: PROCESSING_CANCEL_REFUND.toFixed() }),
  failureRefund: '1',
  failureCostReport: 'net'
})

/** `base` with `change` applied; throws on an invalid change (the control API validates before calling). */
export function applyBehaviour (base: Readonly<Behaviour>, change: BehaviourChange = {}): Behaviour {
  if (!Value.Check(BehaviourChangeSchema, change)) {
    const [first] = Value.Errors(BehaviourChangeSchema, change)
    throw new Error(`invalid simulator behaviour: ${first ? `${first.instancePath || '/'} ${first.message}` : ''}`)
  }
  return { ...base, ...change, cancelRefund: { ...base.cancelRefund, ...change.cancelRefund } }
}
