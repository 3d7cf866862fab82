// Option policy: pure checks of a job request's options against a team's rules. Each refusal names its rule.
import type { Refusal } from './url-rules.ts'

export interface OptionPolicy {
  allowedModels?: number[]
  allowedTasks?: number[]
  maxOutputResolution?: number
  allowedCodecs?: string[]
  allowedContainers?: string[]
  allowComparison?: boolean
  allowNonPreview?: boolean
  allowFrameRanges?: boolean
  maxSegmentFrames?: number
}

export interface JobOptions {
  ml_models: number[]
  output_resolution?: number
  codec?: string
  container?: string
  comparison?: boolean
  preview?: boolean
  start_frame?: number | null
  end_frame?: number | null
}

type Rule = (o: JobOptions, p: OptionPolicy, taskOf: (model: number) => number | undefined) => Refusal | null

const refuse = (rule: string, field: string, message: string): Refusal => ({ rule, field, message: `Team policy (${rule}): ${message}` })

const rules: Rule[] = [
  (o, { allowedModels }) => {
    const denied = allowedModels && o.ml_models.find(m => !allowedModels.includes(m))
    return denied !== undefined ? refuse('allowedModels', 'ml_models', `model ${denied} is not allowed.`) : null
  },
  (o, { allowedTasks }, taskOf) => {
    const denied = allowedTasks && o.ml_models.find(m => !allowedTasks.includes(taskOf(m) ?? -1))
    return denied !== undefined ? refuse('allowedTasks', 'ml_models', `the task of model ${denied} is not allowed.`) : null
  },
  (o, p) => {
    if (p.maxOutputResolution === undefined) return null
    // -1 (TensorPix's default when the field is absent) keeps the input size, which the gateway cannot bound,
    // so a team with a maximum must pick a size
    const resolution = o.output_resolution
    return resolution === undefined || resolution === -1 || resolution > p.maxOutputResolution
      ? refuse('maxOutputResolution', 'output_resolution', `output_resolution must be at most ${p.maxOutputResolution}.`)
      : null
  },
  (o, p) => o.codec !== undefined && p.allowedCodecs && !p.allowedCodecs.includes(o.codec)
    ? refuse('allowedCodecs', 'codec', `codec ${o.codec} is not allowed.`)
    : null,
  (o, p) => o.container !== undefined && p.allowedContainers && !p.allowedContainers.includes(o.container)
    ? refuse('allowedContainers', 'container', `container ${o.container} is not allowed.`)
    : null,
  (o, p) => o.comparison && p.allowComparison === false
    ? refuse('allowComparison', 'comparison', 'side-by-side comparison videos are not allowed.')
    : null,
  (o, p) => !o.preview && p.allowNonPreview === false
    ? refuse('allowNonPreview', 'preview', 'only preview jobs are allowed.')
    : null,
  (o, p) => (o.start_frame != null || o.end_frame != null) && p.allowFrameRanges === false
    ? refuse('allowFrameRanges', 'start_frame', 'frame ranges are not allowed.')
    : null,
  (o, p) => {
    if (p.maxSegmentFrames === undefined || o.preview) return null
    if (o.end_frame == null) return refuse('maxSegmentFrames', 'end_frame', `jobs must set end_frame, at most ${p.maxSegmentFrames} frames after start_frame.`)
    return o.end_frame - (o.start_frame ?? 0) > p.maxSegmentFrames
      ? refuse('maxSegmentFrames', 'end_frame', `a segment may span at most ${p.maxSegmentFrames} frames.`)
      : null
  }
]

/** The first rule the request breaks, or null when the policy allows it. */
export function checkOptions (
  options: JobOptions,
  policy: OptionPolicy,
  taskOf: (model: number) => number | undefined
): Refusal | null {
  for (const rule of rules) {
    const refusal = rule(options, policy, taskOf)
    if (refusal) return refusal
  }
  return null
}
