// The simulator tests' plumbing: a simulator per test (in-process or listening), and a loopback file server whose
// paths each misbehave in one way (wrong type, HEAD refused, 404, 500, a stall), for the from-url probe.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildSimulator, startSimulator, type SimulatorOptions } from '../../src/simulator/index.ts'
import type { Teardown } from '../helpers/teardown.ts'
import { fixtureBytes, multipartBody } from '../helpers/video-server.ts'

/** a video fixture's bytes (test/fixtures/videos/) */
export const fixture = fixtureBytes

export const FIXTURE_TABLE = [
  { file: 'clip-320x180-24fps-48f.mp4', container: 'mp4', width: 320, height: 180, framerate: 24, nFrames: 48, type: 'video/mp4' },
  { file: 'clip-640x360-30fps-30f.mkv', container: 'mkv', width: 640, height: 360, framerate: 30, nFrames: 30, type: 'video/x-matroska' },
  { file: 'clip-1280x720-25fps-25f.mov', container: 'mov', width: 1280, height: 720, framerate: 25, nFrames: 25, type: 'video/quicktime' }
] as const

export const TOKEN = 'token-a'
export const OTHER_TOKEN = 'token-b'
export const auth = (token = TOKEN) => ({ authorization: `Token ${token}` })

export async function simulator (t: Teardown, options: Partial<SimulatorOptions> = {}) {
  const app = await buildSimulator({ tokens: [TOKEN, OTHER_TOKEN], controlApi: true, ...options })
  t.teardown(() => app.close())
  return app
}

export async function liveSimulator (t: Teardown, options: Partial<SimulatorOptions> = {}) {
  const sim = await startSimulator({ tokens: [TOKEN, OTHER_TOKEN], controlApi: true, ...options })
  t.teardown(() => sim.close())
  return sim
}

interface Served { status?: number, type?: string, body: Buffer, headStatus?: number, stall?: boolean }

/** Serves fixtures at fixed paths, each with a chosen status and content type; records what was asked. */
export async function sourceServer (t: Teardown) {
  const mp4 = fixture('clip-320x180-24fps-48f.mp4')
  const text = fixture('not-a-video.txt')
  const routes: Record<string, Served> = {
    '/clip.mp4': { type: 'video/mp4', body: mp4 },
    '/clip.mkv': { type: 'video/x-matroska', body: fixture('clip-640x360-30fps-30f.mkv') },
    '/clip.mov': { type: 'video/quicktime', body: fixture('clip-1280x720-25fps-25f.mov') },
    '/octet-stream.mp4': { type: 'application/octet-stream', body: mp4 },
    '/presigned.mp4': { type: 'video/mp4', body: mp4, headStatus: 403 },
    '/not-a-video.txt': { type: 'text/plain', body: text },
    '/text-as-video.mp4': { type: 'video/mp4', body: text },
    '/missing.mp4': { status: 404, type: 'text/html', body: Buffer.from('<h1>Not found</h1>') },
    '/error.mp4': { status: 500, type: 'video/mp4', body: mp4 },
    '/stall.mp4': { type: 'video/mp4', body: mp4, stall: true }
  }
  const requests: Array<{ method: string, path: string, range: string | undefined }> = []
  const server = createServer((req: IncomingMessage, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    requests.push({ method: req.method ?? '', path, range: req.headers.range })
    const served = routes[path]
    if (!served) return res.writeHead(404).end()
    if (served.stall) return
    const status = req.method === 'HEAD' && served.headStatus ? served.headStatus : served.status ?? 200
    const range = req.headers.range?.match(/^bytes=(\d+)-(\d+)$/)
    if (range && status === 200 && req.method === 'GET') {
      const start = Number(range[1])
      const end = Math.min(Number(range[2]), served.body.length - 1)
      res.writeHead(206, { 'content-type': served.type, 'content-range': `bytes ${start}-${end}/${served.body.length}` })
      return res.end(served.body.subarray(start, end + 1))
    }
    res.writeHead(status, { 'content-type': served.type, 'content-length': served.body.length })
    res.end(req.method === 'HEAD' ? undefined : served.body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => { server.closeAllConnections(); server.close(resolve) }))
  const { port } = server.address() as AddressInfo
  return { url: (path: string) => `http://127.0.0.1:${port}${path}`, requests }
}

/** A multipart body with one file part (none when `field` is empty), for inject: a Buffer and its headers. */
export function multipartFile (field: string, filename: string, type: string, content: Buffer,
  fields: Record<string, string | string[]> = {}) {
  const files = field ? [{ field, filename, type, content }] : []
  const { payload, contentType } = multipartBody(fields, files, '----simulator-test-boundary')
  return { payload, headers: { 'content-type': contentType } }
}
