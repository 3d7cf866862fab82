// TensorPix's official Python quick-start (API.md §4.5), step by step over real HTTP: form-encoded create,
// poll until status 2, download output_video.file, delete the restored video. The poll interval is simulated
// with the control API instead of sleeping.
import t from 'tap'
import type { TensorPixJob } from '../helpers/tensorpix.ts'
import { liveSimulator, sourceServer, TOKEN } from './helpers.ts'

t.test('the Python quick-start flow works end to end', async t => {
  const sim = await liveSimulator(t)
  const src = await sourceServer(t)
  const headers = { Authorization: `Token ${TOKEN}` }

  const data = new URLSearchParams({
    codec: 'libx264',
    crf: '23',
    container: 'mp4',
    chroma_subsampling: 'yuv420p',
    video_url: src.url('/clip.mp4'),
    output_resolution: '-1',
    grain: '0',
    stabilization_smoothing: '0'
  })
  data.append('ml_models', '34')
  const created = await fetch(`${sim.url}/api/jobs/from-url/`, { method: 'POST', headers, body: data })
  t.equal(created.status, 201)
  const { id: jobId } = await created.json() as { id: number }

  let job: TensorPixJob | undefined
  for (let polls = 0; polls < 10; polls++) {
    const response = await fetch(`${sim.url}/api/jobs/${jobId}/`, { headers })
    t.equal(response.status, 200)
    job = await response.json() as typeof job
    if (job?.status === 2) break
    t.ok(job?.status === 0 || job?.status === 1, 'anything but 0/1/2 is a failure to the quick-start')
    await fetch(`${sim.url}/__sim/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 10_000 }) })
  }
  t.equal(job?.status, 2)
  const output = job?.output_video
  if (!output?.file) throw new Error('no output video')
  const file = output.file

  const download = await fetch(file)
  t.equal(download.status, 200)
  t.match(download.headers.get('content-type'), /^video\//)
  t.ok((await download.arrayBuffer()).byteLength > 0)

  const deleted = await fetch(`${sim.url}/api/restored-videos/${output.id}/`, { method: 'DELETE', headers })
  t.equal(deleted.status, 204)
  t.equal((await fetch(`${sim.url}/api/restored-videos/${output.id}/`, { headers })).status, 404)
  t.equal((await fetch(file)).status, 404, 'the file is gone too')
})
