// TensorPix's job as the tests read it from an answer (the simulator's or the gateway's): the harness's one
// definition. When src/ holds the wire contract's job type, this becomes a re-export of it, and every test follows.
export interface TensorPixJob {
  id: number
  /** 0 queued, 1 processing, 2 finished, -1 failed, -2 cancelled */
  status: number
  cost_usd: string
  /** when TensorPix started it; what reconciliation matches a lost create on */
  started?: string
  /** the enhanced video once finished; `file` is its download URL */
  output_video: { id: number, file?: string } | null
  input_video?: { id: number, external_url?: string | null } | number | null
  [field: string]: unknown
}
