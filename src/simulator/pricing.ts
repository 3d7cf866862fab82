// The simulator's price list and output estimate. TensorPix does not publish its formula; this one is invented,
// deterministic and documented in docs/simulator.md, so tests and the gateway's estimates can reproduce it.
import type { MLModel } from './catalogue.ts'
import { Decimal, ZERO, type Amount } from './money.ts'

/** Credits for one 1280×720 frame through models whose cost weights sum to 1. */
export const CREDITS_PER_REFERENCE_FRAME = new Decimal('0.0025')
export const REFERENCE_PIXELS = 1280 * 720
/** Smallest charge for a non-preview job. */
export const MINIMUM_CHARGE = new Decimal('0.0100')
/** Free previews cover about this many seconds from start_frame. */
export const PREVIEW_SECONDS = 10
/** Share of the cost refunded when a job is cancelled while processing (queued jobs get everything back). */
export const PROCESSING_CANCEL_REFUND = new Decimal('0.8')

export interface SourceFacts {
  width: number
  height: number
  framerate: number
  nFrames: number
}

export interface Segment {
  preview: boolean
  startFrame: number | null
  endFrame: number | null
}

/** Frames the job processes: [start, end) clamped to the video; a preview is ~10 s from start_frame. */
export function segmentFrames (source: SourceFacts, segment: Segment): number {
  const start = Math.min(segment.startFrame ?? 0, source.nFrames)
  const end = segment.preview
    ? start + Math.ceil(PREVIEW_SECONDS * source.framerate)
    : segment.endFrame ?? source.nFrames
  return Math.max(0, Math.min(end, source.nFrames) - start)
}

/**
 * cost = max(MINIMUM_CHARGE, frames × (width × height / 1280×720) × Σ cost_weight × 0.0025), rounded half up to
 * four places; previews cost 0. Input pixels drive the price because the models run on input frames.
 */
export function jobCost (source: SourceFacts, segment: Segment, models: readonly MLModel[]): Amount {
  if (segment.preview) return ZERO
  const weights = models.reduce((sum, model) => sum.plus(model.cost_weight), ZERO)
  const cost = new Decimal(segmentFrames(source, segment))
    .times(source.width * source.height).dividedBy(REFERENCE_PIXELS)
    .times(weights)
    .times(CREDITS_PER_REFERENCE_FRAME)
    .toDecimalPlaces(4)
  return Decimal.max(cost, MINIMUM_CHARGE)
}

export type JobPhase = 'queued' | 'processing'

/** Shares of the cost a cancel refunds, by phase, as decimal strings '0' .. '1'. */
export type CancelShares = Record<JobPhase, string>

/** A share of a cost, rounded half up to four places like every amount. */
export function refundShare (cost: Amount, share: string): Amount {
  return cost.times(share).toDecimalPlaces(4)
}

/**
 * Credits returned on cancel, by default all of it while queued and PROCESSING_CANCEL_REFUND of it while processing;
 * the behaviour `cancelRefund` gives other shares.
 */
export function cancelRefund (
  cost: Amount,
  phase: JobPhase,
  shares: CancelShares = { queued: '1', processing: PROCESSING_CANCEL_REFUND.toFixed() }
): Amount {
  return refundShare(cost, shares[phase])
}

export interface OutputOptions {
  outputResolution: number
  codec: string
  crf: number
  targetFps: number | null
  playbackSpeed: number
}

export interface OutputFacts {
  width: number
  height: number
  framerate: number
  nFrames: number
  size: number
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2)
const MAX_SIDE = 8192

/**
 * What the enhanced video will look like: upscalers multiply the size, output_resolution (a target width) resizes
 * keeping the aspect ratio, FPS boosters multiply or reach target_fps, slow motion stretches the frame count.
 * Size: width × height × frames × bits-per-pixel / 8, with 0.1 bpp at CRF 23 halving every +6 CRF
 * (×0.6 for H.265, a flat 1.5 bpp for ProRes).
 */
export function outputFacts (
  source: SourceFacts,
  frames: number,
  models: readonly MLModel[],
  options: OutputOptions
): OutputFacts {
  const scale = models.reduce((factor, model) => factor * (model.task === 1 ? model.upscale_factor : 1), 1)
  let width = source.width * scale
  let height = source.height * scale
  if (options.outputResolution > 0) {
    height = height * options.outputResolution / width
    width = options.outputResolution
  }
  width = Math.min(even(width), MAX_SIDE)
  height = Math.min(even(height), MAX_SIDE)
  const booster = models.find(model => model.task === 10)
  let framerate = source.framerate
  let nFrames = frames
  if (booster) {
    framerate = options.targetFps === null
      ? source.framerate * booster.fps_boost_factor
      : Math.max(options.targetFps, source.framerate)
    nFrames = Math.round(frames * framerate / source.framerate)
  }
  if (models.some(model => model.task === 11)) nFrames = Math.round(nFrames / options.playbackSpeed)
  const bpp = options.codec === 'prores_ks'
    ? 1.5
    : 0.1 * 2 ** ((23 - options.crf) / 6) * (options.codec === 'libx265' ? 0.6 : 1)
  const size = Math.round(width * height * Math.max(1, nFrames) * bpp / 8)
  return {
    width,
    height,
    framerate: Math.round(framerate * 1000) / 1000,
    nFrames: Math.max(1, nFrames),
    size: Math.min(Math.max(size, 100), 400_000_000_000)
  }
}

/** Output over input frame rate, reported as the job's `fps_interpolation_factor`. */
export function fpsInterpolationFactor (source: SourceFacts, output: OutputFacts): number {
  return Math.round(output.framerate / source.framerate * 1000) / 1000
}
