// The simulated ML-model ("AI filter") catalogue. Ids are invented except 34, the only id in TensorPix's own
// quick-start, so that example runs unchanged. Clients should still look models up by task or name.

export const TASKS = {
  1: 'Super Resolution',
  2: 'Film damage',
  3: 'Denoise',
  4: 'Sharpen',
  5: 'VHS Prettify',
  6: 'Dropouts Buster',
  7: 'Auto Color Balance',
  8: 'Decompressor',
  9: 'Deinterlace',
  10: 'FPS Doubler',
  11: 'Slow Motion',
  12: 'Face Enhance',
  13: 'Stabilization',
  14: 'Audio Denoise'
} as const

export type Task = keyof typeof TASKS

export interface MLModel {
  id: number
  name: string
  task: Task
  description: string
  short_description: string
  /** Relative price of running this model; see pricing.ts. */
  cost_weight: number
  upscale_factor: number
  fps_boost_factor: number
  /** Lower runs earlier in the pipeline. */
  priority: number
  /** Largest input the model accepts, in pixels (width × height). */
  max_resolution: number
}

const P720 = 1280 * 720
const P1080 = 1920 * 1080
const P2160 = 3840 * 2160

type Entry = Omit<MLModel, 'upscale_factor' | 'fps_boost_factor' | 'max_resolution'> &
  Partial<Pick<MLModel, 'upscale_factor' | 'fps_boost_factor' | 'max_resolution'>>

const entries: Entry[] = [
  { id: 34, task: 1, name: '200% AI Upscale', cost_weight: 1, priority: 60, max_resolution: P1080, upscale_factor: 2, short_description: 'Doubles width and height', description: 'Upscales the video to twice its width and height while restoring fine detail.' },
  { id: 35, task: 1, name: '400% AI Upscale', cost_weight: 2, priority: 60, max_resolution: P720, upscale_factor: 4, short_description: 'Quadruples width and height', description: 'Upscales the video to four times its width and height; for inputs up to 720p.' },
  { id: 36, task: 1, name: '200% AI Upscale (Animation)', cost_weight: 0.8, priority: 60, max_resolution: P1080, upscale_factor: 2, short_description: 'Upscaler tuned for cartoons', description: 'Doubles width and height; tuned for animation and flat colours.' },
  { id: 40, task: 2, name: 'Film Restoration', cost_weight: 1.5, priority: 20, short_description: 'Removes scratches and dust', description: 'Removes scratches, dust and flicker from digitised film.' },
  { id: 41, task: 3, name: 'AI Denoise', cost_weight: 0.5, priority: 30, short_description: 'Removes sensor noise', description: 'Removes sensor noise and grain while keeping edges.' },
  { id: 42, task: 3, name: 'AI Denoise (Strong)', cost_weight: 0.8, priority: 30, short_description: 'Aggressive noise removal', description: 'Stronger denoising for very noisy, low-light footage.' },
  { id: 43, task: 4, name: 'AI Sharpen', cost_weight: 0.3, priority: 80, short_description: 'Sharpens soft footage', description: 'Sharpens soft or slightly out-of-focus footage; strength set by sharpen_strength.' },
  { id: 44, task: 5, name: 'VHS Prettify', cost_weight: 1.2, priority: 25, short_description: 'Cleans up VHS tapes', description: 'Reduces VHS tracking noise, chroma bleed and tape artefacts.' },
  { id: 45, task: 6, name: 'Dropouts Buster', cost_weight: 0.8, priority: 26, short_description: 'Fixes tape dropouts', description: 'Repairs horizontal dropout lines from damaged tapes.' },
  { id: 46, task: 7, name: 'Auto Color Balance', cost_weight: 0.2, priority: 85, short_description: 'Corrects colour casts', description: 'Corrects colour casts and faded colours automatically.' },
  { id: 47, task: 8, name: 'AI Decompress', cost_weight: 0.6, priority: 15, short_description: 'Removes compression artefacts', description: 'Removes blocking and ringing left by heavy compression.' },
  { id: 48, task: 9, name: 'AI Deinterlace', cost_weight: 0.4, priority: 10, short_description: 'Removes interlacing combs', description: 'Converts interlaced footage to progressive frames.' },
  { id: 49, task: 10, name: 'FPS Boost 2x', cost_weight: 1.2, priority: 90, fps_boost_factor: 2, short_description: 'Doubles the frame rate', description: 'Interpolates new frames to double the frame rate (or reach target_fps).' },
  { id: 50, task: 10, name: 'FPS Boost 4x', cost_weight: 2, priority: 90, fps_boost_factor: 4, short_description: 'Quadruples the frame rate', description: 'Interpolates new frames to quadruple the frame rate (or reach target_fps).' },
  { id: 51, task: 11, name: 'AI Slow Motion', cost_weight: 1.5, priority: 91, short_description: 'Smooth slow motion', description: 'Slows the video down to playback_speed with interpolated frames.' },
  { id: 52, task: 12, name: 'Face Recovery', cost_weight: 1, priority: 50, max_resolution: P1080, short_description: 'Restores faces', description: 'Restores detail in blurry or low-resolution faces.' },
  { id: 53, task: 13, name: 'AI Stabilization', cost_weight: 0.7, priority: 5, short_description: 'Removes camera shake', description: 'Removes camera shake; strength set by stabilization_smoothing.' },
  { id: 54, task: 14, name: 'Audio Denoise', cost_weight: 0.1, priority: 100, short_description: 'Cleans the soundtrack', description: 'Removes hiss and background noise from the audio track.' }
]

export const ML_MODELS: readonly MLModel[] = Object.freeze(entries.map(entry => Object.freeze({
  upscale_factor: 1, fps_boost_factor: 1, max_resolution: P2160, ...entry
})))

const byId = new Map(ML_MODELS.map(model => [model.id, model]))

export function findModel (id: number): MLModel | undefined {
  return byId.get(id)
}
