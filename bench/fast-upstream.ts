// A TensorPix that answers at once: every endpoint the gateway calls on the measured paths, in TensorPix's shapes
// (as the simulator renders them), from precomputed text, with no validation, no URL probe and no state beyond two
// counters. The bench puts both the gateway and the bare proxy in front of it, so the figures are theirs, not the
// upstream's (the simulator's URL probe capped even a bare proxy at ~110 creates/s).
// Usage: tsx bench/fast-upstream.ts <port> <token>
import { createServer, type ServerResponse } from 'node:http'
import { ML_MODELS } from '../src/simulator/catalogue.ts'
import { mlModelView } from '../src/simulator/views.ts'

const [port, token] = process.argv.slice(2) as [string, string]
const AUTHORIZATION = `Token ${token}`
const JSON_TYPE = 'application/json'
// what the simulator reports for one 200 % upscale of the bundled sample clip
const COST = '0.0100'
const STARTED = new Date().toISOString()

const modelsPage = JSON.stringify({
  count: ML_MODELS.length, next: null, previous: null, results: ML_MODELS.map(mlModelView)
})
const emptyPage = JSON.stringify({ count: 0, next: null, previous: null, results: [] })
const balance = JSON.stringify({ balance_usd: '999999999.0000' })
const model34 = JSON.stringify(mlModelView(ML_MODELS.find(model => model.id === 34)!))

let nextJob = 1
let nextVideo = 1

// The simulator's Job view of a running job; its progress moves with the clock, as a rendering job's does, so the
// gateway stores a fresh snapshot now and then exactly as it would against TensorPix.
function runningJob (id: number): string {
  const progress = (Date.now() % 100_000) / 100_000
  return `{"id":${id},"started":"${STARTED}","finished":null,"preview":false,"description":"200% AI Upscale",` +
    `"cost_usd":"${COST}","status":1,"eta_s":6.95,"processing_progress":${progress.toFixed(3)},` +
    `"input_video":{"id":${id},"name":"clip.mp4","width":320,"height":180,"created_at":"${STARTED}","n_frames":48,` +
    '"framerate":24,"size":10500,"file":null,"owner":"user1@simulator.tensorpix.local","thumbnail":null,' +
    '"external_url":"https://videos.example.com/clip.mp4","bitrate":42000,"codec_id":"h264","bit_depth":8,' +
    '"chroma_subsampling":"yuv420p","color_space":"bt709"},"output_video":null,' +
    `"ml_models":[${model34}],"grain":0,"codec":"libx264","output_resolution":-1,"comparison":false,` +
    '"stabilization_smoothing":0,"fps_interpolation_factor":1,"playback_speed":1,"sharpen_strength":1,' +
    '"start_frame":null,"end_frame":null}'
}

function send (res: ServerResponse, status: number, body?: string) {
  if (body === undefined) return res.writeHead(status).end()
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) }).end(body)
}

const JOB_PATH = /^\/api\/jobs\/(\d+)\/$/

createServer((req, res) => {
  // a create's body is read to its end, as TensorPix would, before the answer
  req.resume()
  req.once('end', () => {
    if (req.headers.authorization !== AUTHORIZATION) return send(res, 401, '{"detail":"Invalid token."}')
    const path = req.url ?? '/'
    const job = JOB_PATH.exec(path)
    if (req.method === 'POST' && (path === '/api/jobs/from-url/' || path === '/api/jobs/')) {
      return send(res, 201, `{"id":${nextJob++},"cost_usd":"${COST}","input_video":${nextVideo++},"status":0}`)
    }
    if (req.method === 'GET' && job) return send(res, 200, runningJob(Number(job[1])))
    if (req.method === 'DELETE' && job) return send(res, 204)
    if (req.method === 'GET' && (path === '/api/jobs/' || path.startsWith('/api/jobs/?'))) return send(res, 200, emptyPage)
    if (req.method === 'GET' && path.startsWith('/api/ml-models/')) return send(res, 200, modelsPage)
    if (req.method === 'GET' && path === '/api/accounts/profile/balance/') return send(res, 200, balance)
    send(res, 404, '{"detail":"Not found."}')
  })
}).listen(Number(port), '127.0.0.1', () => process.send?.('ready'))
