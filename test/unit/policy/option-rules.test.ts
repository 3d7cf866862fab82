import t, { type Test } from 'tap'
import { checkOptions, type JobOptions, type OptionPolicy } from '../../../src/policy/option-rules.ts'

// model id → task: 34 upscale (1), 35 frame interpolation (10), 36 denoise (4); 99 is unknown
const TASKS = new Map([[34, 1], [35, 10], [36, 4]])
const taskOf = (model: number) => TASKS.get(model)

const check = (options: Partial<JobOptions>, policy: OptionPolicy) =>
  checkOptions({ ml_models: [34], ...options }, policy, taskOf)

// [name, options, policy, rule that refuses (null: allowed), field]
type Case = [string, Partial<JobOptions>, OptionPolicy, string | null, string?]

function run (t: Test, cases: Case[]) {
  for (const [name, options, policy, rule, field] of cases) {
    const refusal = check(options, policy)
    if (rule === null) {
      t.equal(refusal, null, `${name}: allowed`)
      continue
    }
    t.equal(refusal?.rule, rule, `${name}: refused by ${rule}`)
    t.equal(refusal?.field, field, `${name}: field`)
    t.match(refusal?.message, `Team policy (${rule}): `, `${name}: the message names the rule`)
  }
}

t.test('the empty policy allows everything', async t => {
  const everything: JobOptions = {
    ml_models: [34, 35, 36, 99],
    output_resolution: -1,
    codec: 'prores_ks',
    container: 'mov',
    comparison: true,
    preview: false,
    start_frame: 0,
    end_frame: 2_147_483_647
  }
  t.equal(checkOptions(everything, {}, taskOf), null)
  t.equal(checkOptions({ ml_models: [] }, {}, taskOf), null)
})

t.test('allowedModels', async t => {
  run(t, [
    ['listed model', { ml_models: [34] }, { allowedModels: [34, 35] }, null],
    ['all listed', { ml_models: [34, 35] }, { allowedModels: [34, 35] }, null],
    ['one model not listed', { ml_models: [34, 36] }, { allowedModels: [34, 35] }, 'allowedModels', 'ml_models'],
    ['empty list', { ml_models: [34] }, { allowedModels: [] }, 'allowedModels', 'ml_models']
  ])
  t.match(check({ ml_models: [34, 36] }, { allowedModels: [34] })?.message, 'model 36 is not allowed')
})

t.test('allowedTasks uses the taskOf callback', async t => {
  run(t, [
    ['allowed task', { ml_models: [34] }, { allowedTasks: [1] }, null],
    ['all tasks allowed', { ml_models: [34, 35] }, { allowedTasks: [1, 10] }, null],
    ['one task not allowed', { ml_models: [34, 35] }, { allowedTasks: [1] }, 'allowedTasks', 'ml_models'],
    ['unknown model has no task', { ml_models: [99] }, { allowedTasks: [1, 4, 10] }, 'allowedTasks', 'ml_models']
  ])
  t.match(check({ ml_models: [34, 35] }, { allowedTasks: [1] })?.message, 'the task of model 35 is not allowed')

  const asked: number[] = []
  checkOptions({ ml_models: [34, 36] }, { allowedTasks: [1, 4] }, model => {
    asked.push(model)
    return TASKS.get(model)
  })
  t.same(asked, [34, 36], 'taskOf is asked about each model')
  checkOptions({ ml_models: [34] }, {}, () => {
    t.fail('taskOf is not called without allowedTasks')
    return undefined
  })
})

t.test('maxOutputResolution', async t => {
  run(t, [
    ['below', { output_resolution: 1280 }, { maxOutputResolution: 1920 }, null],
    ['exactly the maximum', { output_resolution: 1920 }, { maxOutputResolution: 1920 }, null],
    ['above', { output_resolution: 2560 }, { maxOutputResolution: 1920 }, 'maxOutputResolution', 'output_resolution'],
    ['-1 (keep input size) cannot be bounded', { output_resolution: -1 }, { maxOutputResolution: 3840 }, 'maxOutputResolution', 'output_resolution'],
    ['-1 without a maximum', { output_resolution: -1 }, {}, null]
  ])
  t.match(check({ output_resolution: 3840 }, { maxOutputResolution: 1920 })?.message, 'at most 1920')
})

t.test('allowedCodecs', async t => {
  run(t, [
    ['listed', { codec: 'libx264' }, { allowedCodecs: ['libx264', 'libx265'] }, null],
    ['not listed', { codec: 'prores_ks' }, { allowedCodecs: ['libx264', 'libx265'] }, 'allowedCodecs', 'codec'],
    ['case matters', { codec: 'LIBX264' }, { allowedCodecs: ['libx264'] }, 'allowedCodecs', 'codec'],
    ['codec not given', {}, { allowedCodecs: ['libx264'] }, null]
  ])
  t.match(check({ codec: 'prores_ks' }, { allowedCodecs: ['libx264'] })?.message, 'codec prores_ks is not allowed')
})

t.test('allowedContainers', async t => {
  run(t, [
    ['listed', { container: 'mp4' }, { allowedContainers: ['mp4'] }, null],
    ['not listed', { container: 'mov' }, { allowedContainers: ['mp4'] }, 'allowedContainers', 'container'],
    ['container not given', {}, { allowedContainers: ['mp4'] }, null]
  ])
  t.match(check({ container: 'mov' }, { allowedContainers: ['mp4'] })?.message, 'container mov is not allowed')
})

t.test('allowComparison', async t => {
  run(t, [
    ['comparison refused', { comparison: true }, { allowComparison: false }, 'allowComparison', 'comparison'],
    ['no comparison asked', { comparison: false }, { allowComparison: false }, null],
    ['comparison not given', {}, { allowComparison: false }, null],
    ['comparison allowed', { comparison: true }, { allowComparison: true }, null]
  ])
})

t.test('allowNonPreview', async t => {
  run(t, [
    ['full job refused', { preview: false }, { allowNonPreview: false }, 'allowNonPreview', 'preview'],
    ['preview not given counts as a full job', {}, { allowNonPreview: false }, 'allowNonPreview', 'preview'],
    ['preview allowed', { preview: true }, { allowNonPreview: false }, null],
    ['full job allowed', { preview: false }, { allowNonPreview: true }, null]
  ])
})

t.test('allowFrameRanges', async t => {
  run(t, [
    ['start and end', { start_frame: 10, end_frame: 100 }, { allowFrameRanges: false }, 'allowFrameRanges', 'start_frame'],
    ['start 0 is still a range', { start_frame: 0 }, { allowFrameRanges: false }, 'allowFrameRanges', 'start_frame'],
    ['end only', { end_frame: 100 }, { allowFrameRanges: false }, 'allowFrameRanges', 'start_frame'],
    ['both null', { start_frame: null, end_frame: null }, { allowFrameRanges: false }, null],
    ['neither given', {}, { allowFrameRanges: false }, null],
    ['ranges allowed', { start_frame: 10, end_frame: 100 }, { allowFrameRanges: true }, null]
  ])
})

t.test('maxSegmentFrames', async t => {
  const policy: OptionPolicy = { maxSegmentFrames: 100 }
  run(t, [
    ['exactly the maximum from 0', { start_frame: 0, end_frame: 100 }, policy, null],
    ['one frame over', { start_frame: 0, end_frame: 101 }, policy, 'maxSegmentFrames', 'end_frame'],
    ['offset segment', { start_frame: 500, end_frame: 600 }, policy, null],
    ['offset segment, one over', { start_frame: 500, end_frame: 601 }, policy, 'maxSegmentFrames', 'end_frame'],
    ['no start_frame counts from 0', { end_frame: 100 }, policy, null],
    ['null start_frame counts from 0', { start_frame: null, end_frame: 101 }, policy, 'maxSegmentFrames', 'end_frame'],
    ['missing end_frame', { start_frame: 0 }, policy, 'maxSegmentFrames', 'end_frame'],
    ['null end_frame', { start_frame: 0, end_frame: null }, policy, 'maxSegmentFrames', 'end_frame'],
    ['whole video', {}, policy, 'maxSegmentFrames', 'end_frame'],
    ['preview is exempt without end_frame', { preview: true }, policy, null],
    ['preview is exempt with a long range', { preview: true, start_frame: 0, end_frame: 1_000_000 }, policy, null]
  ])
  t.match(check({}, policy)?.message, 'jobs must set end_frame, at most 100 frames after start_frame')
  t.match(check({ start_frame: 0, end_frame: 101 }, policy)?.message, 'a segment may span at most 100 frames')
})

t.test('the first broken rule is reported', async t => {
  const strict: OptionPolicy = {
    allowedModels: [34],
    allowedTasks: [1],
    maxOutputResolution: 1920,
    allowedCodecs: ['libx264'],
    allowedContainers: ['mp4'],
    allowComparison: false,
    allowNonPreview: false,
    allowFrameRanges: false
  }
  // start breaking every rule, then fix one at a time: the next rule in order is reported
  const options: JobOptions = {
    ml_models: [35],
    output_resolution: 3840,
    codec: 'prores_ks',
    container: 'mov',
    comparison: true,
    preview: false,
    start_frame: 10
  }
  const steps: Array<[string, (o: JobOptions, p: OptionPolicy) => void]> = [
    ['allowedModels', (_o, p) => { p.allowedModels = [34, 35] }],
    ['allowedTasks', o => { o.ml_models = [34] }],
    ['maxOutputResolution', o => { o.output_resolution = 1920 }],
    ['allowedCodecs', o => { o.codec = 'libx264' }],
    ['allowedContainers', o => { o.container = 'mp4' }],
    ['allowComparison', o => { o.comparison = false }],
    ['allowNonPreview', o => { o.preview = true }],
    ['allowFrameRanges', o => { o.start_frame = null }]
  ]
  for (const [rule, fix] of steps) {
    t.equal(checkOptions(options, strict, taskOf)?.rule, rule, `${rule} is reported first`)
    fix(options, strict)
  }
  t.equal(checkOptions(options, strict, taskOf), null, 'nothing left to refuse')

  t.equal(check({ end_frame: 500 }, { allowFrameRanges: false, maxSegmentFrames: 100 })?.rule, 'allowFrameRanges',
    'allowFrameRanges comes before maxSegmentFrames')
})
