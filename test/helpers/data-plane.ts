// A data-plane test bed: the simulator over HTTP, a loopback video server, the real gateway listening on a fresh
// database in front of the simulator, and one team (http:// video URLs allowed) with a jobs key. `client()` speaks
// TensorPix over real HTTP to either side, so the same calls can run against both.
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import type { SimulatorOptions } from '../../src/simulator/index.ts'
import type { Scope } from '../../src/auth/scopes.ts'
import { buildTestGateway, type TestGateway } from './gateway.ts'
import { makeKey, makeTeam } from './factories.ts'
import { startTestSimulator, SIM_TOKEN, type TestSimulator } from './simulator.ts'
import { startVideoServer, type VideoServer } from './video-server.ts'

export type Doc = Record<string, unknown>

export interface Answer {
  status: number
  headers: Headers
  /** parsed JSON (null for an empty body); a non-JSON body as {text} */
  body: Doc
  list: Doc[]
}

export type Payload =
  | { json: unknown }
  | { form: URLSearchParams }
  | { multipart: { payload: Buffer, contentType: string } }
  | { raw: Buffer | string, contentType?: string }

export interface Client {
  origin: string
  call (method: string, path: string, payload?: Payload, headers?: Record<string, string>): Promise<Answer>
  get (path: string, headers?: Record<string, string>): Promise<Answer>
  post (path: string, payload: Payload, headers?: Record<string, string>): Promise<Answer>
  delete (path: string, headers?: Record<string, string>): Promise<Answer>
}

/** A TensorPix client: `Authorization: Token <token>` (or none with token null) against an origin. */
export function client (origin: string, token: string | null, scheme = 'Token'): Client {
  const call = async (method: string, path: string, payload?: Payload, extra: Record<string, string> = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...extra }
    if (token !== null) headers.authorization = `${scheme} ${token}`
    let body: string | Buffer | undefined
    if (payload && 'json' in payload) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(payload.json)
    } else if (payload && 'form' in payload) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = payload.form.toString()
    } else if (payload && 'multipart' in payload) {
      headers['content-type'] = payload.multipart.contentType
      body = payload.multipart.payload
    } else if (payload && 'raw' in payload) {
      if (payload.contentType) headers['content-type'] = payload.contentType
      body = payload.raw
    }
    const res = await fetch(`${origin}${path}`, { method, headers, ...(body === undefined ? {} : { body }), redirect: 'manual' })
    const text = await res.text()
    let parsed: unknown = null
    if (text) {
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = { text }
      }
    }
    const doc = (parsed ?? {}) as Doc
    return { status: res.status, headers: res.headers, body: doc, list: Array.isArray(doc.results) ? doc.results as Doc[] : [] }
  }
  return {
    origin,
    call,
    get: (path, headers) => call('GET', path, undefined, headers),
    post: (path, payload, headers) => call('POST', path, payload, headers),
    delete: (path, headers) => call('DELETE', path, undefined, headers)
  }
}

export interface BedOptions {
  env?: Record<string, string>
  sim?: Partial<SimulatorOptions>
  team?: Parameters<typeof makeTeam>[1]
}

export interface Bed {
  sim: TestSimulator
  videos: VideoServer
  gw: TestGateway
  /** the gateway's origin (listening on 127.0.0.1) */
  origin: string
  team: Awaited<ReturnType<typeof makeTeam>>
  key: Awaited<ReturnType<typeof makeKey>>
  /** the team key's client on the gateway */
  api: Client
  /** the master token's client on the simulator itself */
  upstream: Client
  /** another team with its own jobs key */
  newTeam (data?: Parameters<typeof makeTeam>[1], scopes?: Scope[]): Promise<{ team: Awaited<ReturnType<typeof makeTeam>>, key: Awaited<ReturnType<typeof makeKey>>, api: Client }>
  /** the gateway's usage row of a team for the current period */
  usage (teamId?: string): Promise<{ charged: string, held: string, adjusted: string }>
  /** ledger rows of a team, oldest first */
  ledger (teamId?: string): Promise<Array<{ kind: string, amount: string, jobId: string | null, reason: string }>>
}

export const JOB_SCOPES: Scope[] = ['jobs:read', 'jobs:write']

export async function dataPlaneBed (t: Test, options: BedOptions = {}): Promise<Bed> {
  const sim = await startTestSimulator(t, options.sim)
  const videos = await startVideoServer(t)
  const gw = await buildTestGateway(t, { upstream: { baseUrl: sim.url, token: SIM_TOKEN, simulated: true }, env: options.env ?? {} })
  await gw.app.listen({ port: 0, host: '127.0.0.1' })
  const origin = `http://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}`
  const newTeam: Bed['newTeam'] = async (data = {}, scopes = JOB_SCOPES) => {
    const team = await makeTeam(gw.db, { urlPolicy: { httpsOnly: false }, ...data })
    const key = await makeKey(gw.db, { teamId: team.id, scopes })
    return { team, key, api: client(origin, key.key) }
  }
  const first = await newTeam(options.team)
  return {
    sim,
    videos,
    gw,
    origin,
    team: first.team,
    key: first.key,
    api: first.api,
    upstream: client(sim.url, sim.token),
    newTeam,
    async usage (teamId = first.team.id) {
      const rows = await gw.db.teamPeriodUsage.findMany({ where: { teamId } })
      const sum = (field: 'charged' | 'held' | 'adjusted') => rows.reduce((acc, row) => acc + Number(row[field].toString()), 0).toFixed(4)
      return { charged: sum('charged'), held: sum('held'), adjusted: sum('adjusted') }
    },
    async ledger (teamId = first.team.id) {
      const rows = await gw.db.ledgerEntry.findMany({ where: { teamId }, orderBy: { id: 'asc' } })
      return rows.map(row => ({ kind: row.kind, amount: row.amount.toFixed(4), jobId: row.jobId, reason: row.reason }))
    }
  }
}

/** A from-url create body for the 200% upscaler on a fixture. */
export const fromUrl = (bed: Pick<Bed, 'videos'>, extra: Doc = {}, file = 'clip-320x180-24fps-48f.mp4'): Doc =>
  ({ video_url: bed.videos.url(file), ml_models: [34], ...extra })
