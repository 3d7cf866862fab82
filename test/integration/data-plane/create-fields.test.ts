// Issue 20, item 6: a create is forwarded with the master token, so it may carry only the fields of TensorPix's
// contract (src/tensorpix/requests.ts); any other (`owner`, a field TensorPix adds later) is refused by name in
// every encoding, before policy, money or TensorPix see it. Every field of the contract is still accepted.
import t from 'tap'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'
import { multipartBody } from '../../helpers/video-server.ts'

const NOT_ACCEPTED = 'This field is not accepted by the gateway.'

t.test('a field outside the contract is a ValidationError on that field, and nothing is forwarded', async t => {
  const bed = await dataPlaneBed(t)
  const before = { jobs: (await bed.sim.account()).jobs_created, ledger: await bed.ledger() }
  const url = bed.videos.url('clip-320x180-24fps-48f.mp4')
  const refusals = [
    { label: 'JSON', path: '/api/jobs/from-url/', payload: { json: fromUrl(bed, { owner: 5 }) } },
    { label: 'form', path: '/api/jobs/from-url/', payload: { form: new URLSearchParams({ video_url: url, ml_models: '34', owner: '5' }) } },
    { label: 'multipart', path: '/api/jobs/from-url/', payload: { multipart: multipartBody({ video_url: url, ml_models: '34', owner: '5' }) } },
    { label: 'POST /api/jobs/', path: '/api/jobs/', payload: { json: { input_video: null, ml_models: [34], owner: 5 } } }
  ]
  for (const { label, path, payload } of refusals) {
    const res = await bed.api.post(path, payload)
    t.equal(res.status, 400, label)
    t.same(res.body.errors, { owner: [NOT_ACCEPTED] }, label)
    t.same(res.body.non_field_errors, [], label)
  }

  const both = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed, { owner: 5, fps_interpolation_factor: 2, crf: 99 }) })
  t.same(both.body.errors, {
    owner: [NOT_ACCEPTED],
    fps_interpolation_factor: [NOT_ACCEPTED],
    crf: ['Ensure this value is less than or equal to 51.']
  }, 'every offending field at once')
  t.same({ jobs: (await bed.sim.account()).jobs_created, ledger: await bed.ledger() }, before, 'nothing forwarded, no ledger row')
})

t.test('every field of the contract is still accepted and forwarded', async t => {
  const bed = await dataPlaneBed(t)
  const res = await bed.api.post('/api/jobs/from-url/', {
    json: fromUrl(bed, {
      codec: 'libx264',
      crf: 23,
      container: 'mp4',
      chroma_subsampling: 'yuv420p',
      output_resolution: -1,
      grain: 0.1,
      comparison: false,
      stabilization_smoothing: 10,
      target_fps: 30,
      playback_speed: 1,
      sharpen_strength: 1,
      preview: false,
      start_frame: 0,
      end_frame: 24
    })
  })
  t.equal(res.status, 201, res.text)
})
