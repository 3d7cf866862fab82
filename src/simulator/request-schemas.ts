// Request bodies of the two job-creating endpoints, after the seed (from-url) and API.md §4.4 (upload). They drive
// Fastify's validation; validation.ts turns the resulting errors into TensorPix's ValidationError.
import { Type, type Static, type TSchema } from 'typebox'

export const CODECS = ['libx264', 'libx265', 'prores_ks'] as const
export const CONTAINERS = ['mov', 'mkv', 'mp4'] as const
export const CHROMA_SUBSAMPLINGS = ['yuv420p', 'yuv422p', 'yuv444p', 'yuv420p10le', 'yuv422p10le', 'yuv444p10le'] as const
export const OUTPUT_RESOLUTIONS = [-1, 640, 720, 854, 1280, 1920, 2048, 2560, 3840] as const
const INT32_MAX = 2147483647

/** `type: [T, 'null']` rather than anyOf, so form coercion and error messages stay simple. */
function Nullable<T extends TSchema & { type: string }> (schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] })
}

const jobOptions = {
  ml_models: Type.Array(Type.Integer(), { minItems: 1 }),
  codec: Type.Optional(Type.Enum([...CODECS], { type: 'string' })),
  crf: Type.Optional(Type.Integer({ minimum: 0, maximum: 51 })),
  container: Type.Optional(Type.Enum([...CONTAINERS], { type: 'string' })),
  chroma_subsampling: Type.Optional(Type.Enum([...CHROMA_SUBSAMPLINGS, ''], { type: 'string' })),
  output_resolution: Type.Optional(Type.Enum([...OUTPUT_RESOLUTIONS], { type: 'integer' })),
  grain: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  comparison: Type.Optional(Type.Boolean()),
  stabilization_smoothing: Type.Optional(Type.Integer({ minimum: 0, maximum: 40 })),
  target_fps: Type.Optional(Nullable(Type.Number({ minimum: 1, maximum: 240 }))),
  playback_speed: Type.Optional(Type.Number({ minimum: 0.1, maximum: 1 })),
  sharpen_strength: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
  preview: Type.Optional(Type.Boolean()),
  start_frame: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: INT32_MAX }))),
  end_frame: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: INT32_MAX })))
}

export const EnhanceVideoSchema = Type.Object({
  video_url: Type.String({ format: 'uri', minLength: 1, maxLength: 2048 }),
  ...jobOptions
})
export type EnhanceVideo = Static<typeof EnhanceVideoSchema>

export const CreateJobSchema = Type.Object({
  input_video: Nullable(Type.Integer()),
  ...jobOptions
})
export type CreateJob = Static<typeof CreateJobSchema>

export type JobOptions = Omit<EnhanceVideo, 'video_url'>

/** Fields whose form/multipart string values need DRF's wider reading before JSON-schema validation. */
export const BOOLEAN_FIELDS = ['comparison', 'preview'] as const
export const NULLABLE_FIELDS = ['start_frame', 'end_frame', 'target_fps', 'input_video'] as const
