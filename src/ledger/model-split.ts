// How one movement of a job's money splits over its ML models: in proportion to each model's cost_weight as the
// catalogue gave it at create time, rounded down to 4 places, the remainder to the last model, so the shares of
// one movement always add up exactly to the movement. A job without ML models books everything on model 0.
import { Decimal } from 'decimal.js'

export const NO_MODEL = 0

export interface ModelWeight { modelId: number, weight: Decimal }
export interface ModelShare { modelId: number, amount: Decimal }

/** The job's models with their weights, sorted by id; unknown or unusable weights fall back to equal weights. */
export function modelWeights (mlModels: readonly number[], costWeights: unknown): ModelWeight[] {
  const ids = [...new Set(mlModels)].sort((a, b) => a - b)
  if (ids.length === 0) return [{ modelId: NO_MODEL, weight: new Decimal(1) }]
  const recorded = costWeights !== null && typeof costWeights === 'object' ? costWeights as Record<string, unknown> : {}
  const weights = ids.map(modelId => ({ modelId, weight: weightOf(recorded[String(modelId)]) }))
  if (weights.some(w => w.weight === null)) return ids.map(modelId => ({ modelId, weight: new Decimal(1) }))
  return weights as ModelWeight[]
}

function weightOf (value: unknown): Decimal | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null
  try {
    const weight = new Decimal(value)
    return weight.isFinite() && weight.gt(0) ? weight : null
  } catch {
    return null
  }
}

/** Splits a 4-place amount over the weights; the shares add up to the amount exactly. */
export function splitAmount (amount: Decimal, weights: readonly ModelWeight[]): ModelShare[] {
  const total = weights.reduce((sum, w) => sum.plus(w.weight), new Decimal(0))
  let left = amount
  return weights.map((w, i) => {
    const share = i === weights.length - 1
      ? left
      : amount.times(w.weight).dividedBy(total).toDecimalPlaces(4, Decimal.ROUND_DOWN)
    left = left.minus(share)
    return { modelId: w.modelId, amount: share }
  })
}
