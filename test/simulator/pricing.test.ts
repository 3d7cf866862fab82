import t from 'tap'
import { findModel, ML_MODELS, TASKS, type MLModel } from '../../src/simulator/catalogue.ts'
import { credits } from '../../src/simulator/money.ts'
import { cancelRefund, fpsInterpolationFactor, jobCost, outputFacts, segmentFrames } from '../../src/simulator/pricing.ts'
import { jobParams, planJob } from '../../src/simulator/job-plan.ts'

const model = (id: number): MLModel => {
  const found = findModel(id)
  if (!found) throw new Error(`no model ${id}`)
  return found
}
const p1080 = { width: 1920, height: 1080, framerate: 30, nFrames: 1800 }
const whole = { preview: false, startFrame: null, endFrame: null }

t.test('the catalogue covers the 14 tasks with unique ids and includes the quick-start model 34', async t => {
  t.same(new Set(ML_MODELS.map(m => m.task)), new Set(Object.keys(TASKS).map(Number)))
  t.equal(new Set(ML_MODELS.map(m => m.id)).size, ML_MODELS.length)
  t.match(findModel(34), { task: 1, upscale_factor: 2 })
  t.ok(ML_MODELS.some(m => m.task === 1 && m.upscale_factor === 4))
  t.ok(ML_MODELS.some(m => m.task === 10 && m.fps_boost_factor > 1))
})

t.test('segment frames', async t => {
  t.equal(segmentFrames(p1080, whole), 1800)
  t.equal(segmentFrames(p1080, { preview: false, startFrame: 100, endFrame: 400 }), 300)
  t.equal(segmentFrames(p1080, { preview: false, startFrame: 1700, endFrame: 5000 }), 100, 'clamped to the video')
  t.equal(segmentFrames(p1080, { preview: true, startFrame: 30, endFrame: 40 }), 300, 'preview: 10 s from start_frame, end ignored')
  t.equal(segmentFrames(p1080, { preview: true, startFrame: 1700, endFrame: null }), 100)
})

t.test('cost = frames × pixels/720p × Σ cost_weight × 0.0025, min 0.01, previews free', async t => {
  // 1800 × 2.25 × (1 + 0.5) × 0.0025 = 15.1875
  t.equal(credits(jobCost(p1080, whole, [model(34), model(41)])), '15.1875')
  t.equal(credits(jobCost({ width: 1280, height: 720, framerate: 25, nFrames: 25 }, whole, [model(34)])), '0.0625')
  t.equal(credits(jobCost({ width: 320, height: 180, framerate: 24, nFrames: 48 }, whole, [model(34)])), '0.0100', 'minimum charge')
  t.equal(credits(jobCost(p1080, { ...whole, preview: true }, [model(34)])), '0.0000')
  t.equal(credits(jobCost({ width: 1280, height: 720, framerate: 24, nFrames: 9 }, whole, [model(43), model(46)])), '0.0113', '0.01125 rounds half up')
})

t.test('cancel refunds everything while queued and 80% while processing', async t => {
  const cost = jobCost(p1080, whole, [model(34)])
  t.equal(credits(cancelRefund(cost, 'queued')), '10.1250')
  t.equal(credits(cancelRefund(cost, 'processing')), '8.1000')
})

t.test('output estimate follows upscalers, output_resolution, FPS boost and slow motion', async t => {
  const options = { outputResolution: -1, codec: 'libx264', crf: 23, targetFps: null, playbackSpeed: 1 }
  const src = { width: 640, height: 360, framerate: 30, nFrames: 30 }
  t.match(outputFacts(src, 30, [model(35)], options), {
    width: 2560, height: 1440, framerate: 30, nFrames: 30, size: Math.round(2560 * 1440 * 30 * 0.1 / 8)
  })
  t.match(outputFacts(src, 30, [model(34)], { ...options, outputResolution: 1920 }), { width: 1920, height: 1080 })
  const boosted = outputFacts(src, 30, [model(49)], options)
  t.match(boosted, { framerate: 60, nFrames: 60 })
  t.equal(fpsInterpolationFactor(src, boosted), 2)
  t.match(outputFacts(src, 30, [model(49)], { ...options, targetFps: 24 }), { framerate: 30 }, 'target_fps below the source keeps the source rate')
  t.match(outputFacts(src, 30, [model(51)], { ...options, playbackSpeed: 0.5 }), { framerate: 30, nFrames: 60 })
  t.ok(outputFacts(src, 30, [], { ...options, crf: 29 }).size < outputFacts(src, 30, [], options).size)
})

t.test('planJob checks the segment and model input limits against the source', async t => {
  const params = jobParams({})
  t.same(params, {
    codec: 'libx264', crf: 23, container: 'mp4', chroma_subsampling: 'yuv420p', output_resolution: -1, grain: 0, comparison: false, stabilization_smoothing: 0, target_fps: null, playback_speed: 1, sharpen_strength: 1, preview: false, start_frame: null, end_frame: null
  })
  t.match(planJob(p1080, [model(35)], params), { ok: false, errors: { ml_models: [/400% AI Upscale accepts inputs up to 921600 pixels/] } })
  t.match(planJob(p1080, [model(34)], { ...params, start_frame: 1800 }), { ok: false, errors: { start_frame: [/1800/] } })
  const ok = planJob(p1080, [model(34)], params)
  t.ok(ok.ok)
  if (ok.ok) t.equal(credits(ok.plan.cost), '10.1250')
})
