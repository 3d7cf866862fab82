// Response shapes from API.md (v1.0.0 schema plus the v1.1.0 additions). The views are typed from these, and the
// contract tests validate live responses against them, so the two cannot drift apart.
import { Type, type Static, type TSchema } from 'typebox'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const DateTime = Type.String({ format: 'date-time' })
const Uri = Type.String({ format: 'uri' })
const CreditsString = (digits: number) => Type.String({ pattern: `^-?\\d{0,${digits}}(?:\\.\\d{0,4})?$` })
const Status = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2), Type.Literal(-1), Type.Literal(-2)])

export const BalanceSchema = Type.Object({ balance_usd: CreditsString(10) }, { additionalProperties: false })

export const MLModelListSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  task: Type.Integer({ minimum: 1, maximum: 14 }),
  description: Type.String(),
  short_description: Type.String(),
  cost_weight: Type.Number(),
  upscale_factor: Nullable(Type.Integer()),
  fps_boost_factor: Nullable(Type.Integer()),
  priority: Nullable(Type.Integer()),
  max_resolution: Nullable(Type.Integer())
}, { additionalProperties: false })
export type MLModelList = Static<typeof MLModelListSchema>

export const VideoSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  created_at: DateTime,
  n_frames: Type.Integer(),
  framerate: Type.Number(),
  size: Type.Integer(),
  file: Nullable(Uri),
  owner: Type.String(),
  thumbnail: Nullable(Uri),
  external_url: Nullable(Uri),
  bitrate: Nullable(Type.Integer()),
  codec_id: Nullable(Type.String()),
  bit_depth: Nullable(Type.Integer()),
  chroma_subsampling: Nullable(Type.String()),
  color_space: Nullable(Type.String())
}, { additionalProperties: false })
export type Video = Static<typeof VideoSchema>

export const RestoredVideoSchema = Type.Object({
  id: Type.Integer(),
  job_id: Nullable(Type.Integer()),
  name: Type.String({ maxLength: 500 }),
  created_at: DateTime,
  framerate: Type.Number({ minimum: 0, maximum: 1000 }),
  n_frames: Type.Integer({ minimum: 1, maximum: 2147483647 }),
  bitrate: Nullable(Type.Integer({ minimum: 1 })),
  codec_id: Nullable(Type.String({ maxLength: 20 })),
  bit_depth: Nullable(Type.Integer({ minimum: 1, maximum: 30 })),
  chroma_subsampling: Nullable(Type.String({ maxLength: 20 })),
  color_space: Nullable(Type.String({ maxLength: 20 })),
  size: Type.Integer({ minimum: 100, maximum: 400000000000 }),
  file: Nullable(Uri),
  thumbnail: Nullable(Uri),
  deleted: Nullable(DateTime),
  width: Type.Integer({ minimum: 64, maximum: 8192 }),
  height: Type.Integer({ minimum: 64, maximum: 8192 }),
  owner: Type.Integer(),
  preview_videos: Type.Object({ before_video: Type.String(), after_video: Type.String() }),
  quality_score: Type.Integer()
}, { additionalProperties: false })
export type RestoredVideo = Static<typeof RestoredVideoSchema>

export const JobSchema = Type.Object({
  id: Type.Integer(),
  started: Nullable(DateTime),
  finished: Nullable(DateTime),
  preview: Type.Boolean(),
  description: Type.String(),
  cost_usd: CreditsString(6),
  status: Status,
  eta_s: Type.Number({ minimum: 0 }),
  processing_progress: Type.Number({ minimum: 0, maximum: 1 }),
  input_video: VideoSchema,
  output_video: Nullable(RestoredVideoSchema),
  ml_models: Type.Array(MLModelListSchema),
  grain: Type.Number(),
  codec: Type.String(),
  output_resolution: Type.Integer(),
  comparison: Type.Boolean(),
  stabilization_smoothing: Type.Integer(),
  fps_interpolation_factor: Type.Number(),
  playback_speed: Type.Number(),
  sharpen_strength: Type.Number(),
  start_frame: Nullable(Type.Integer()),
  end_frame: Nullable(Type.Integer())
}, { additionalProperties: false })
export type Job = Static<typeof JobSchema>

export const HISTORY_STATUS_LABELS = { 0: 'In Queue', 1: 'Processing', 2: 'Finished', [-1]: 'Failed', [-2]: 'Canceled' } as const

export const HistoryJobSchema = Type.Object({
  id: Type.Integer(),
  started: Nullable(DateTime),
  finished: Nullable(DateTime),
  status: Type.Enum(Object.values(HISTORY_STATUS_LABELS)),
  input_video: VideoSchema,
  output_video: Nullable(RestoredVideoSchema),
  ml_models: Type.Array(MLModelListSchema),
  codec: Type.String(),
  container: Type.String(),
  crf: Type.Integer(),
  qscale: Type.Integer(),
  prores_profile: Type.Integer(),
  grain: Type.Number(),
  stabilization_smoothing: Type.Integer(),
  preview: Type.Boolean(),
  fps_interpolation_factor: Type.Number(),
  playback_speed: Type.Number(),
  output_resolution: Type.Integer(),
  sharpen_strength: Type.Number()
}, { additionalProperties: false })
export type HistoryJob = Static<typeof HistoryJobSchema>

/** 201 of POST /api/jobs/: the writable fields echoed back, with ids (not nested objects) for the videos. */
export const CreateJobResponseSchema = Type.Object({
  id: Type.Integer(),
  owner: Type.String(),
  input_video: Nullable(Type.Integer()),
  output_video: Nullable(Type.Integer()),
  ml_models: Type.Array(Type.Integer()),
  cost_usd: CreditsString(6),
  codec: Type.String(),
  crf: Type.Integer(),
  container: Type.String(),
  chroma_subsampling: Type.String(),
  preview: Type.Boolean(),
  start_frame: Nullable(Type.Integer()),
  end_frame: Nullable(Type.Integer()),
  output_resolution: Type.Integer(),
  grain: Type.Number(),
  comparison: Type.Boolean(),
  stabilization_smoothing: Type.Integer(),
  target_fps: Nullable(Type.Number()),
  playback_speed: Type.Number(),
  sharpen_strength: Type.Number()
}, { additionalProperties: false })
export type CreateJobResponse = Static<typeof CreateJobResponseSchema>

/** 201 of POST /api/jobs/from-url/ (seed: EnhanceJobResponse). */
export const EnhanceJobResponseSchema = Type.Object({
  id: Type.Integer(),
  cost_usd: CreditsString(6),
  input_video: Nullable(Type.Integer()),
  status: Status
}, { additionalProperties: false })
export type EnhanceJobResponse = Static<typeof EnhanceJobResponseSchema>

export const PaginatedSchema = <T extends TSchema>(item: T) => Type.Object({
  count: Type.Integer({ minimum: 0 }),
  next: Nullable(Uri),
  previous: Nullable(Uri),
  results: Type.Array(item)
}, { additionalProperties: false })
