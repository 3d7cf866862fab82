// The data-plane test bed: the simulator over HTTP, a loopback video server, the gateway (gateway.ts) listening on a
// fresh database in front of the simulator, and one team (http:// video URLs allowed) with a jobs key. Its clients
// speak TensorPix over real HTTP to either side (http.ts), so the same calls can run against both.
import type { Test } from 'tap'
import type { SimulatorOptions } from '../../src/simulator/index.ts'
import type { Scope } from '../../src/auth/scopes.ts'
import { buildTestGateway, listen, type TestGateway } from './gateway.ts'
import { JOB_SCOPES, makeTeamWithKey, type makeKey, type makeTeam } from './factories.ts'
import { client, type Client, type Doc } from './http.ts'
import { teamLedger, teamUsage, type Sums } from './ledger.ts'
import { startTestSimulator, type TestSimulator } from './simulator.ts'
import { startVideoServer, type VideoServer } from './video-server.ts'

type Team = Awaited<ReturnType<typeof makeTeam>>
type Key = Awaited<ReturnType<typeof makeKey>>

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
  team: Team
  key: Key
  /** the team key's client on the gateway */
  api: Client
  /** the master token's client on the simulator itself */
  upstream: Client
  /** another team with its own jobs key */
  newTeam (data?: Parameters<typeof makeTeam>[1], scopes?: Scope[]): Promise<{ team: Team, key: Key, api: Client }>
  /** the gateway's usage of a team, summed over its periods */
  usage (teamId?: string): Promise<Sums>
  /** ledger rows of a team, oldest first */
  ledger (teamId?: string): ReturnType<typeof teamLedger>
}

export async function dataPlaneBed (t: Test, options: BedOptions = {}): Promise<Bed> {
  const sim = await startTestSimulator(t, options.sim)
  const videos = await startVideoServer(t)
  const gw = await buildTestGateway(t, { upstream: sim.target, env: options.env ?? {} })
  const origin = await listen(gw)
  const newTeam: Bed['newTeam'] = async (data = {}, scopes = JOB_SCOPES) => {
    const { team, key } = await makeTeamWithKey(gw.db, { urlPolicy: { httpsOnly: false }, ...data }, scopes)
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
    usage: (teamId = first.team.id) => teamUsage(gw.db, teamId),
    ledger: (teamId = first.team.id) => teamLedger(gw.db, teamId)
  }
}

/** A from-url create body for the 200% upscaler on a fixture. */
export const fromUrl = (bed: Pick<Bed, 'videos'>, extra: Doc = {}, file = 'clip-320x180-24fps-48f.mp4'): Doc =>
  ({ video_url: bed.videos.url(file), ml_models: [34], ...extra })
