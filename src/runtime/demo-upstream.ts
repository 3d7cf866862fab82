// Demo mode (no TENSORPIX_TOKEN outside production): the TensorPix simulator in-process on a loopback port, plus
// a loopback file server with a sample clip, so the printed curl works with nothing configured. The simulator's
// token and state live under DATA_DIR next to the embedded database, so after a restart the jobs the database
// remembers still exist upstream and new ones get new ids. The simulator's /__sim/ control API answers without a
// token on the same port as the API, whose address every media link carries: it is off unless asked for.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import path from 'node:path'
import { startSimulator } from '../simulator/index.ts'
import type { UpstreamTarget } from '../upstream/target.ts'

export interface DemoUpstream extends UpstreamTarget {
  sampleVideoUrl: string
  close(): Promise<void>
}

const SAMPLE = new URL('./media/sample.mp4', import.meta.url)

async function serveSampleVideo (): Promise<{ url: string, server: Server }> {
  const bytes = await readFile(SAMPLE)
  const server = createServer((req, res) => {
    if (req.url !== '/sample.mp4') return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length })
    res.end(req.method === 'HEAD' ? undefined : bytes)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}/sample.mp4`, server }
}

/** The token of an earlier run, or a new random one kept for the next. */
async function demoToken (dir: string): Promise<string> {
  const file = path.join(dir, 'token')
  const kept = await readFile(file, 'utf8').then(text => text.trim(), () => '')
  if (kept) return kept
  const token = randomBytes(24).toString('hex')
  await mkdir(dir, { recursive: true })
  await writeFile(file, `${token}\n`, { mode: 0o600 })
  return token
}

export interface DemoOptions {
  dataDir: string
  /** serve /__sim/ (DEMO_SIMULATOR_CONTROL) */
  controlApi: boolean
}

export async function startDemoUpstream ({ dataDir, controlApi }: DemoOptions): Promise<DemoUpstream> {
  const dir = path.resolve(dataDir, 'demo-tensorpix')
  const token = await demoToken(dir)
  const simulator = await startSimulator({
    tokens: [token],
    controlApi,
    clock: 'realtime',
    host: '127.0.0.1',
    port: 0,
    stateFile: path.join(dir, 'state.json')
  })
  const media = await serveSampleVideo()
  return {
    baseUrl: simulator.url,
    token,
    simulated: true,
    sampleVideoUrl: media.url,
    close: async () => {
      await new Promise(resolve => media.server.close(resolve))
      await simulator.close()
    }
  }
}
