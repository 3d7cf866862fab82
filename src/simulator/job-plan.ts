// Turns a validated request into what the job will be: parameters with defaults, frames, cost and the output
// estimate, or the field errors that depend on the source video. Pure.
import type { MLModel } from './catalogue.ts'
import type { FieldErrors } from './errors.ts'
import type { Amount } from './money.ts'
import { jobCost, outputFacts, segmentFrames, type OutputFacts, type SourceFacts } from './pricing.ts'
import type { JobParams } from './records.ts'
import type { JobOptions } from './request-schemas.ts'
import { resolutionErrors } from './validation.ts'

/** Defaults for fields a request leaves out ([I]: TensorPix's own defaults are not published). */
export function jobParams (body: Omit<JobOptions, 'ml_models'>): JobParams {
  return {
    codec: body.codec ?? 'libx264',
    crf: body.crf ?? 23,
    container: body.container ?? 'mp4',
    chroma_subsampling: body.chroma_subsampling ?? 'yuv420p',
    output_resolution: body.output_resolution ?? -1,
    grain: body.grain ?? 0,
    comparison: body.comparison ?? false,
    stabilization_smoothing: body.stabilization_smoothing ?? 0,
    target_fps: body.target_fps ?? null,
    playback_speed: body.playback_speed ?? 1,
    sharpen_strength: body.sharpen_strength ?? 1,
    preview: body.preview ?? false,
    start_frame: body.start_frame ?? null,
    end_frame: body.end_frame ?? null
  }
}

/**
 * [I] The frames a normalising TensorPix would store for omitted ones: `start_frame` 0, and `end_frame` the end of
 * the segment the job really processes (the video's last frame + 1, or the end of the preview). Given values stay.
 */
export function normalisedFrames (source: SourceFacts, params: JobParams): JobParams {
  const startFrame = params.start_frame ?? 0
  const frames = segmentFrames(source, { preview: params.preview, startFrame, endFrame: null })
  return { ...params, start_frame: startFrame, end_frame: params.end_frame ?? startFrame + frames }
}

export interface JobPlan {
  frames: number
  cost: Amount
  output: OutputFacts
}

export function planJob (
  source: SourceFacts,
  models: readonly MLModel[],
  params: JobParams
): { ok: true, plan: JobPlan } | { ok: false, errors: FieldErrors } {
  const errors: FieldErrors = {}
  if (params.start_frame !== null && params.start_frame >= source.nFrames) {
    errors.start_frame = [`start_frame must be lower than the number of frames in the video (${source.nFrames}).`]
  }
  const tooLarge = resolutionErrors(models, source.width, source.height)
  if (tooLarge.length) errors.ml_models = tooLarge
  if (Object.keys(errors).length) return { ok: false, errors }
  const segment = { preview: params.preview, startFrame: params.start_frame, endFrame: params.end_frame }
  const frames = segmentFrames(source, segment)
  const output = outputFacts(source, frames, models, {
    outputResolution: params.output_resolution,
    codec: params.codec,
    crf: params.crf,
    targetFps: params.target_fps,
    playbackSpeed: params.playback_speed
  })
  return { ok: true, plan: { frames, cost: jobCost(source, segment, models), output } }
}
