// TensorPix's ML models (ids, tasks, cost weights), read from GET /api/ml-models/ and kept for a while: policy
// validation and cost estimates need them, and they change rarely.
import type { MlModel } from '../tensorpix/jobs.ts'
import type { TensorpixApi } from './tensorpix.ts'

const PAGE_SIZE = 100
const MAX_PAGES = 20

export class ModelCatalog {
  private cached: { models: Map<number, MlModel>, until: number } | null = null
  private loading: Promise<Map<number, MlModel>> | null = null

  constructor (private readonly upstream: TensorpixApi, private readonly ttlMs = 10 * 60_000,
    private readonly clock: () => number = Date.now) {}

  /** All models by id; fetched on first use and after the TTL. */
  async models (): Promise<Map<number, MlModel>> {
    if (this.cached && this.cached.until > this.clock()) return this.cached.models
    this.loading ??= this.load().finally(() => { this.loading = null })
    return this.loading
  }

  /**
   * The cost weights of the given models ({ "<id>": "<cost_weight>" }) for splitting a job's spend by model, from
   * the catalogue as last read (even past its TTL): the create path never waits for TensorPix for this. A stale or
   * missing catalogue is refreshed in the background; until it is there, and for an unknown model, the answer is
   * null and the split weighs the job's models equally.
   */
  costWeights (ids: readonly number[]): Record<string, string> | null {
    if (!this.cached || this.cached.until <= this.clock()) this.models().catch(() => {})
    const models = this.cached?.models
    if (!models) return null
    const weights: Record<string, string> = {}
    for (const id of ids) {
      const model = models.get(id)
      if (!model) return null
      weights[String(id)] = String(model.cost_weight)
    }
    return weights
  }

  private async load (): Promise<Map<number, MlModel>> {
    const models = new Map<number, MlModel>()
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.upstream.listModels({ page, page_size: PAGE_SIZE }, { requestId: 'model-catalog' })
      if (!res.ok) throw new Error(`GET /api/ml-models/ answered ${res.status}`)
      for (const model of res.body.results) models.set(model.id, model)
      if (!res.body.next) break
    }
    this.cached = { models, until: this.clock() + this.ttlMs }
    return models
  }
}
