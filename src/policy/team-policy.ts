// The two policy documents a team carries (stored as JSON on Team). The admin API validates them with these
// schemas; the money path evaluates them (option-rules.ts, url-rules.ts). `additionalProperties: false` so a
// misspelt rule is refused instead of silently meaning "no restriction".
import { Type, type Static } from 'typebox'

export const OUTPUT_RESOLUTIONS = [640, 720, 854, 1280, 1920, 2048, 2560, 3840] as const
export const CODECS = ['libx264', 'libx265', 'prores_ks'] as const
export const CONTAINERS = ['mov', 'mkv', 'mp4'] as const

const Ids = (description: string) =>
  Type.Array(Type.Integer({ minimum: 1 }), { uniqueItems: true, maxItems: 1000, description })

export const OptionPolicySchema = Type.Object({
  allowedModels: Type.Optional(Ids('TensorPix ML model ids a job may use (absent: any)')),
  allowedTasks: Type.Optional(Ids('TensorPix task ids whose models a job may use (absent: any)')),
  maxOutputResolution: Type.Optional(Type.Enum([...OUTPUT_RESOLUTIONS], { description: 'largest output_resolution' })),
  allowedCodecs: Type.Optional(Type.Array(Type.Enum([...CODECS]), { uniqueItems: true })),
  allowedContainers: Type.Optional(Type.Array(Type.Enum([...CONTAINERS]), { uniqueItems: true })),
  allowComparison: Type.Optional(Type.Boolean({ description: 'side-by-side comparison videos' })),
  allowNonPreview: Type.Optional(Type.Boolean({ description: 'false: preview jobs only' })),
  allowFrameRanges: Type.Optional(Type.Boolean({ description: 'start_frame / end_frame' })),
  maxSegmentFrames: Type.Optional(Type.Integer({ minimum: 1, description: 'longest segment of a non-preview job' }))
}, { additionalProperties: false, description: 'Job option rules; an absent rule does not restrict' })
export type OptionPolicyDoc = Static<typeof OptionPolicySchema>

export const UrlPolicySchema = Type.Object({
  allowedHosts: Type.Optional(Type.Array(
    Type.String({ minLength: 1, maxLength: 253, pattern: '^\\.?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$' }),
    { uniqueItems: true, maxItems: 1000, description: 'exact hosts, or suffixes starting with "." (".example.com")' }
  )),
  httpsOnly: Type.Optional(Type.Boolean({ description: 'default true' })),
  minPresignedValiditySeconds: Type.Optional(Type.Integer({ minimum: 0, description: 'default 7200' }))
}, { additionalProperties: false, description: 'video_url rules' })
export type UrlPolicyDoc = Static<typeof UrlPolicySchema>
