// How much to hold before forwarding a create. TensorPix publishes no price formula (API.md §10), but answers the
// actual cost in the create response, so the hold only has to bound the job for the milliseconds until then:
// previews are free; otherwise the team's maximum job cost, or the gateway default. Settlement charges the actual
// cost and releases the rest.
import { Decimal } from 'decimal.js'

export interface EstimateInput {
  preview: boolean
  maxJobCost: Decimal | null
  defaultHold: Decimal
}

export function estimateHold ({ preview, maxJobCost, defaultHold }: EstimateInput): Decimal {
  if (preview) return new Decimal(0)
  return maxJobCost ?? defaultHold
}
