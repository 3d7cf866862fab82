// TensorPix's answers as the gateway reads them (../shared/tensorpix/API.md §4–§7). Only the fields the gateway
// acts on are typed, each optional where TensorPix may leave it out; bodies are passed to clients as TensorPix sent
// them, so nothing here is ever re-serialised (the one field changed, `owner`, is changed in the text). Where API.md
// marks a field's meaning as inferred, the comment says so.

/** A media object as a job refers to it: nested in job details, a bare id in create echoes. */
export type MediaRef = {
  id: number
  external_url?: string | null
  // the presigned download link: null while the file is copied to storage (API.md §6.1, §7.1)
  file?: string | null
  deleted?: string | null
} | number | null

/** `Job` (GET /api/jobs/{id}/, the job list's results). */
export interface TensorpixJob {
  id: number
  // 0 queued, 1 processing, 2 finished, -1 failed, -2 cancelled
  status: number
  // decimal string, 4 places: the job's cost in credits
  cost_usd?: string
  processing_progress?: number
  // creation or processing start: API.md says "job start/creation time" [I]
  started?: string | null
  finished?: string | null
  preview?: boolean
  start_frame?: number | null
  end_frame?: number | null
  ml_models?: Array<{ id: number }>
  input_video?: MediaRef
  output_video?: MediaRef
}

/** `EnhanceJobResponse` (from-url, 201) and the `CreateJob` echo (upload, 201): ids, not nested objects. */
export interface CreatedJob {
  id: number
  cost_usd?: string
  input_video?: MediaRef
  status?: number
}

/** A `Video` or `RestoredVideo`. */
export interface MediaObject { id: number }

/** `MLModelList`. */
export interface MlModel {
  id: number
  name: string
  task: number
  cost_weight: number
  upscale_factor?: number | null
  fps_boost_factor?: number | null
}

/** `Paginated…List` of the limit/offset and page/page_size paginators alike. */
export interface Page<T> {
  count?: number
  next: string | null
  previous?: string | null
  results: T[]
}

/** The id a media reference points at, whichever form TensorPix used. */
export function mediaId (ref: MediaRef | undefined): number | null {
  if (ref == null) return null
  if (typeof ref === 'number') return ref
  // an object TensorPix sent without an id (or with null) refers to nothing the gateway can use
  return typeof ref.id === 'number' ? ref.id : null
}

// a key `owner` (after `{` or `,`, so never text inside a string, where every quote is escaped) with a string value
const OWNER_STRING = /([{,]\s*"owner"\s*:\s*)"(?:[^"\\]|\\.)*"/g

/**
 * A JSON answer with every string `owner` (the email of the master account every team shares: `Video.owner` and the
 * `CreateJob` echo, nested in jobs and pages too) replaced by `owner`. `RestoredVideo.owner`, a user id, stays.
 */
export function withOwner (json: string, owner: string): string {
  if (!json.includes('"owner"')) return json
  const shown = JSON.stringify(owner)
  return json.replace(OWNER_STRING, (_match, key: string) => key + shown)
}
