// Records rendered as TensorPix JSON. Media links are signed for the origin the client called, at the current
// simulated time, so a re-GET refreshes them as upstream's presigned URLs are refreshed.
import type { MLModel } from './catalogue.ts'
import type { MediaSigner } from './media.ts'
import { credits } from './money.ts'
import { fpsInterpolationFactor } from './pricing.ts'
import type { JobRecord, RestoredRecord, VideoRecord } from './records.ts'
import {
  HISTORY_STATUS_LABELS, type CreateJobResponse, type EnhanceJobResponse, type HistoryJob, type Job, type MLModelList,
  type RestoredVideo, type Video
} from './response-schemas.ts'
import type { Simulation } from './simulation.ts'

export interface ViewContext {
  origin: string
  sim: Simulation
  signer: MediaSigner
}

const iso = (ms: number) => new Date(ms).toISOString()
const isoOrNull = (ms: number | null) => ms === null ? null : iso(ms)
export const THUMBNAIL_NAME = 'thumbnail.png'

export function mlModelView (model: MLModel): MLModelList {
  return {
    id: model.id,
    name: model.name,
    task: model.task,
    description: model.description,
    short_description: model.short_description,
    cost_weight: model.cost_weight,
    upscale_factor: model.upscale_factor,
    fps_boost_factor: model.fps_boost_factor,
    priority: model.priority,
    max_resolution: model.max_resolution
  }
}

function bitrate (size: number, nFrames: number, framerate: number): number | null {
  const seconds = nFrames / framerate
  return seconds > 0 && size > 0 ? Math.max(1, Math.round(size * 8 / seconds)) : null
}

export function videoView (ctx: ViewContext, video: VideoRecord): Video {
  const now = ctx.sim.now()
  const stored = video.readyAt !== null && now >= video.readyAt && video.deletedAt === null
  const link = (name: string) => stored ? ctx.signer.url(ctx.origin, { kind: 'videos', id: video.id, name }, now) : null
  const { facts } = video
  return {
    id: video.id,
    name: video.name,
    width: facts.width,
    height: facts.height,
    created_at: iso(video.createdAt),
    n_frames: facts.nFrames,
    framerate: facts.framerate,
    size: video.size,
    file: link(video.name),
    owner: video.owner.email,
    thumbnail: link(THUMBNAIL_NAME),
    external_url: video.externalUrl,
    bitrate: bitrate(video.size, facts.nFrames, facts.framerate),
    codec_id: facts.codecId,
    bit_depth: 8,
    chroma_subsampling: 'yuv420p',
    color_space: 'bt709'
  }
}

const OUTPUT_CODEC_IDS: Record<string, string> = { libx264: 'h264', libx265: 'hevc', prores_ks: 'prores' }

export function restoredView (ctx: ViewContext, restored: RestoredRecord): RestoredVideo {
  const now = ctx.sim.now()
  const { job } = restored
  const { output, params } = job
  const live = restored.deletedAt === null
  const link = (name: string) => ctx.signer.url(ctx.origin, { kind: 'restored-videos', id: restored.id, name }, now)
  const chroma = params.chroma_subsampling || 'yuv420p'
  return {
    id: restored.id,
    job_id: job.id,
    name: restored.name,
    created_at: iso(restored.createdAt),
    framerate: output.framerate,
    n_frames: output.nFrames,
    bitrate: bitrate(output.size, output.nFrames, output.framerate),
    codec_id: OUTPUT_CODEC_IDS[params.codec] ?? null,
    bit_depth: chroma.endsWith('10le') || params.codec === 'prores_ks' ? 10 : 8,
    chroma_subsampling: chroma,
    color_space: 'bt709',
    size: output.size,
    file: live ? link(restored.name) : null,
    thumbnail: live ? link(THUMBNAIL_NAME) : null,
    deleted: restored.deletedAt === null ? null : iso(restored.deletedAt),
    width: Math.max(64, output.width),
    height: Math.max(64, output.height),
    owner: restored.owner.userId,
    preview_videos: live
      ? { before_video: link(`before.${params.container}`), after_video: link(`after.${params.container}`) }
      : { before_video: '', after_video: '' },
    // [I] a 1..5 score; the simulator derives a stable stand-in from the job id.
    quality_score: 3 + (job.id % 3)
  }
}

export function jobView (ctx: ViewContext, job: JobRecord): Job {
  const { progress, etaSeconds } = ctx.sim.progress(job)
  const { params } = job
  return {
    id: job.id,
    started: isoOrNull(ctx.sim.startedAt(job)),
    finished: isoOrNull(job.finishedAt),
    preview: params.preview,
    description: job.models.map(model => model.name).join(', '),
    // after a refund (cancel, failure) the job reports what it still costs, or its gross cost (behaviour)
    cost_usd: credits(ctx.sim.reportedCost(job)),
    status: job.status,
    eta_s: etaSeconds,
    processing_progress: progress,
    input_video: videoView(ctx, job.input),
    output_video: job.restored && ctx.sim.outputShown(job) ? restoredView(ctx, job.restored) : null,
    ml_models: job.models.map(mlModelView),
    grain: params.grain,
    codec: params.codec,
    output_resolution: params.output_resolution,
    comparison: params.comparison,
    stabilization_smoothing: params.stabilization_smoothing,
    fps_interpolation_factor: fpsInterpolationFactor(job.input.facts, job.output),
    playback_speed: params.playback_speed,
    sharpen_strength: params.sharpen_strength,
    start_frame: params.start_frame,
    end_frame: params.end_frame
  }
}

export function historyJobView (ctx: ViewContext, job: JobRecord): HistoryJob {
  const { params } = job
  return {
    id: job.id,
    started: isoOrNull(ctx.sim.startedAt(job)),
    finished: isoOrNull(job.finishedAt),
    status: HISTORY_STATUS_LABELS[job.status],
    input_video: videoView(ctx, job.input),
    output_video: job.restored && ctx.sim.outputShown(job) ? restoredView(ctx, job.restored) : null,
    ml_models: job.models.map(mlModelView),
    codec: params.codec,
    container: params.container,
    crf: params.crf,
    qscale: -1,
    prores_profile: params.codec === 'prores_ks' ? 3 : -1,
    grain: params.grain,
    stabilization_smoothing: params.stabilization_smoothing,
    preview: params.preview,
    fps_interpolation_factor: fpsInterpolationFactor(job.input.facts, job.output),
    playback_speed: params.playback_speed,
    output_resolution: params.output_resolution,
    sharpen_strength: params.sharpen_strength
  }
}

export function createdJobView (job: JobRecord): CreateJobResponse {
  const { params } = job
  return {
    id: job.id,
    owner: job.owner.email,
    input_video: job.input.id,
    output_video: null,
    ml_models: job.models.map(model => model.id),
    cost_usd: credits(job.cost),
    codec: params.codec,
    crf: params.crf,
    container: params.container,
    chroma_subsampling: params.chroma_subsampling,
    preview: params.preview,
    start_frame: params.start_frame,
    end_frame: params.end_frame,
    output_resolution: params.output_resolution,
    grain: params.grain,
    comparison: params.comparison,
    stabilization_smoothing: params.stabilization_smoothing,
    target_fps: params.target_fps,
    playback_speed: params.playback_speed,
    sharpen_strength: params.sharpen_strength
  }
}

export function enhanceJobView (job: JobRecord): EnhanceJobResponse {
  return { id: job.id, cost_usd: credits(job.cost), input_video: job.input.id, status: job.status }
}
