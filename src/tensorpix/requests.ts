// TensorPix's request bodies and parameters as the seed and API.md define them, written once for validation, types
// and OpenAPI. The simulator keeps its own copy on purpose (docs/architecture.md): a wrong schema here must not be
// able to hide in both. A create body is closed: it is forwarded with the master token, so a field TensorPix might
// accept but the team policy never looked at (`owner`, one added later) must be refused, not passed on.
import { Type, type Static } from 'typebox'

const Codec = Type.Union([Type.Literal('libx264'), Type.Literal('libx265'), Type.Literal('prores_ks')])
const Container = Type.Union([Type.Literal('mov'), Type.Literal('mkv'), Type.Literal('mp4')])
const Chroma = Type.Union(['yuv420p', 'yuv422p', 'yuv444p', 'yuv420p10le', 'yuv422p10le', 'yuv444p10le', ''].map(v => Type.Literal(v)))
const OutputResolution = Type.Union([-1, 640, 720, 854, 1280, 1920, 2048, 2560, 3840].map(v => Type.Literal(v)))
export const MAX_ML_MODELS = 14 // one per task

const JobOptions = {
  ml_models: Type.Array(Type.Integer({ minimum: 1, maximum: 2147483647 }), { minItems: 1, maxItems: MAX_ML_MODELS }),
  codec: Type.Optional(Codec),
  crf: Type.Optional(Type.Integer({ minimum: 0, maximum: 51 })),
  container: Type.Optional(Container),
  chroma_subsampling: Type.Optional(Chroma),
  output_resolution: Type.Optional(OutputResolution),
  grain: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  comparison: Type.Optional(Type.Boolean()),
  stabilization_smoothing: Type.Optional(Type.Integer({ minimum: 0, maximum: 40 })),
  target_fps: Type.Optional(Type.Number({ minimum: 1, maximum: 240 })),
  playback_speed: Type.Optional(Type.Number({ minimum: 0.1, maximum: 1 })),
  sharpen_strength: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
  preview: Type.Optional(Type.Boolean()),
  start_frame: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 2147483647 }), Type.Null()])),
  end_frame: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 2147483647 }), Type.Null()]))
}

export const EnhanceVideoSchema = Type.Object({
  video_url: Type.String({ format: 'uri', minLength: 1, maxLength: 2048 }),
  ...JobOptions
}, { $id: 'EnhanceVideo', additionalProperties: false, description: 'POST /api/jobs/from-url/ (JSON, form-urlencoded with repeated ml_models, or multipart)' })
export type EnhanceVideo = Static<typeof EnhanceVideoSchema>

export const CreateJobSchema = Type.Object({
  input_video: Type.Union([Type.Integer({ minimum: 1, maximum: 2147483647 }), Type.Null()]),
  ...JobOptions
}, { $id: 'CreateJob', additionalProperties: false, description: 'POST /api/jobs/: enhance a previously uploaded video' })
export type CreateJob = Static<typeof CreateJobSchema>

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) })
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 }))
})
export const ModelPageQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 }))
})

/** A create as the gateway forwards it: to POST /api/jobs/from-url/ or to POST /api/jobs/. */
export type CreateRequest =
  | { source: 'from-url', body: EnhanceVideo }
  | { source: 'upload', body: CreateJob }
