// A loopback stand-in for the one TensorPix endpoint the control plane reads: GET /api/ml-models/ (paged), so
// admin tests can check model ids without the full simulator.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { MlModel } from '../../src/tensorpix/jobs.ts'

export const TEST_MODELS: MlModel[] = [
  { id: 1, name: 'Upscale 2x', task: 1, cost_weight: 1, upscale_factor: 2 },
  { id: 2, name: 'Upscale 4x', task: 1, cost_weight: 2, upscale_factor: 4 },
  { id: 3, name: 'Denoise', task: 2, cost_weight: 1 },
  { id: 4, name: 'Frame interpolation', task: 3, cost_weight: 3, fps_boost_factor: 2 }
]

export interface ModelsUpstream { baseUrl: string, token: string, requests: number, close(): Promise<void> }

export async function startModelsUpstream (token: string, models: MlModel[] = TEST_MODELS): Promise<ModelsUpstream> {
  const state = { requests: 0 }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream')
    state.requests++
    if (req.headers.authorization !== `Token ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"detail":"Invalid token."}')
      return
    }
    if (req.method !== 'GET' || url.pathname !== '/api/ml-models/') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not found."}')
      return
    }
    const page = Number(url.searchParams.get('page') ?? 1)
    const size = Number(url.searchParams.get('page_size') ?? 10)
    const results = models.slice((page - 1) * size, page * size)
    const next = page * size < models.length ? `${url.origin}/api/ml-models/?page=${page + 1}&page_size=${size}` : null
    res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ count: models.length, next, previous: null, results }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    get requests () { return state.requests },
    close: () => new Promise<void>(resolve => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}
