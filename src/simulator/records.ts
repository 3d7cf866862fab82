// The simulator's in-memory records. Ids come from global counters (as database sequences would), so one
// account can never guess another's ids into existence; lookups are still owner-scoped.
import type { MLModel } from './catalogue.ts'
import type { Amount } from './money.ts'
import type { OutputFacts } from './pricing.ts'
import type { VideoFacts } from './video-probe.ts'

export interface Account {
  token: string
  userId: number
  email: string
  balance: Amount
  storageQuotaBytes: number
  jobsCreated: number
  charged: Amount
  refunded: Amount
}

export interface VideoRecord {
  id: number
  owner: Account
  name: string
  facts: VideoFacts
  size: number
  createdAt: number
  /** When `file` appears; null for from-url inputs, which are never stored. */
  readyAt: number | null
  externalUrl: string | null
  /** The upload, or for from-url inputs the head that was fetched; served as the stand-in output too. */
  bytes: Uint8Array
  contentType: string
  deletedAt: number | null
}

export interface JobParams {
  codec: string
  crf: number
  container: string
  chroma_subsampling: string
  output_resolution: number
  grain: number
  comparison: boolean
  stabilization_smoothing: number
  target_fps: number | null
  playback_speed: number
  sharpen_strength: number
  preview: boolean
  start_frame: number | null
  end_frame: number | null
}

export type JobStatus = 0 | 1 | 2 | -1 | -2

export interface JobRecord {
  id: number
  owner: Account
  input: VideoRecord
  models: MLModel[]
  params: JobParams
  cost: Amount
  output: OutputFacts
  /** Drawn at creation from the seeded stream, so a seed fixes which jobs fail. */
  outcome: 'finish' | 'fail'
  status: JobStatus
  createdAt: number
  processingStartedAt: number | null
  finishedAt: number | null
  /** Progress frozen when the job stopped (cancel or failure). */
  stoppedProgress: number
  refunded: Amount
  restored: RestoredRecord | null
  /** GETs of the job answered since it finished; the output shows after outputVideoAfterPolls of them. */
  finishedPolls: number
}

export interface RestoredRecord {
  id: number
  job: JobRecord
  owner: Account
  name: string
  createdAt: number
  deletedAt: number | null
}
