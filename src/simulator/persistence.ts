// The `stateFile` option: a simulator that outlives its process, as TensorPix outlives a gateway restart. The
// records (accounts with their tokens, videos with their bytes, jobs, outputs) and the id counters are written as
// JSON, atomically (a temporary file renamed over the old one), shortly after each request and on close, and read
// back at start. Configuration (faults, behaviour, rate windows) is not state: it comes from the options.
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { findModel, type MLModel } from './catalogue.ts'
import { Decimal } from './money.ts'
import type { Account, JobRecord, RestoredRecord, VideoRecord } from './records.ts'
import type { IdCounters, Simulation, SimulationRecords } from './simulation.ts'

const FORMAT = 1
/** Requests within this long of each other are saved once. */
const SAVE_DELAY_MS = 100

type SavedAccount = Omit<Account, 'balance' | 'charged' | 'refunded'> & { balance: string, charged: string, refunded: string }
type SavedVideo = Omit<VideoRecord, 'owner' | 'bytes'> & { owner: string, bytes: string }
type SavedJob = Omit<JobRecord, 'owner' | 'input' | 'models' | 'cost' | 'refunded' | 'restored'> &
  { owner: string, input: number, models: number[], cost: string, refunded: string, restored: number | null }
type SavedRestored = Omit<RestoredRecord, 'owner' | 'job'> & { owner: string, job: number }

interface SavedState {
  format: typeof FORMAT
  /** The simulated clock when saved: a restarted simulator never goes back before it. */
  now: number
  ids: IdCounters
  accounts: SavedAccount[]
  videos: SavedVideo[]
  jobs: SavedJob[]
  restored: SavedRestored[]
}

function serialise (sim: Simulation): SavedState {
  const { accounts, videos, jobs, restored } = sim.records()
  return {
    format: FORMAT,
    now: sim.now(),
    ids: sim.idCounters(),
    accounts: accounts.map(account => ({
      ...account,
      balance: account.balance.toFixed(),
      charged: account.charged.toFixed(),
      refunded: account.refunded.toFixed()
    })),
    videos: videos.map(video => ({ ...video, owner: video.owner.token, bytes: Buffer.from(video.bytes).toString('base64') })),
    jobs: jobs.map(job => ({
      ...job,
      owner: job.owner.token,
      input: job.input.id,
      models: job.models.map(model => model.id),
      cost: job.cost.toFixed(),
      refunded: job.refunded.toFixed(),
      restored: job.restored?.id ?? null
    })),
    restored: restored.map(record => ({ ...record, owner: record.owner.token, job: record.job.id }))
  }
}

function lookup<K, V> (map: Map<K, V>, key: K, what: string): V {
  const value = map.get(key)
  if (value === undefined) throw new Error(`simulator state file: ${what} ${String(key)} is missing`)
  return value
}

function savedModel (id: number): MLModel {
  const model = findModel(id)
  if (!model) throw new Error(`simulator state file: model ${id} is not in the catalogue`)
  return model
}

/** The records of `saved` that belong to one of `tokens`; another token's account and records are left out. */
function deserialise (saved: SavedState, tokens: readonly string[]): SimulationRecords {
  const kept = saved.accounts.filter(account => tokens.includes(account.token))
  const accounts = new Map(kept.map(account => [account.token, {
    ...account,
    balance: new Decimal(account.balance),
    charged: new Decimal(account.charged),
    refunded: new Decimal(account.refunded)
  }]))
  const owned = <T extends { owner: string }>(records: T[]) => records.filter(record => accounts.has(record.owner))
  const videos = new Map(owned(saved.videos).map(video => [video.id, {
    ...video, owner: lookup(accounts, video.owner, 'account'), bytes: new Uint8Array(Buffer.from(video.bytes, 'base64'))
  }]))
  const jobs = new Map<number, JobRecord>(owned(saved.jobs).map(job => [job.id, {
    ...job,
    owner: lookup(accounts, job.owner, 'account'),
    input: lookup(videos, job.input, 'video'),
    models: job.models.map(savedModel),
    cost: new Decimal(job.cost),
    refunded: new Decimal(job.refunded),
    restored: null
  }]))
  const restored = owned(saved.restored).map(record => {
    const job = lookup(jobs, record.job, 'job')
    const restoredRecord: RestoredRecord = { ...record, owner: lookup(accounts, record.owner, 'account'), job }
    job.restored = restoredRecord
    return restoredRecord
  })
  return { accounts: [...accounts.values()], videos: [...videos.values()], jobs: [...jobs.values()], restored }
}

/** Loads `file` into the simulation when it exists; a file that cannot be read stops the start rather than be lost. */
export function loadState (sim: Simulation, file: string, tokens: readonly string[]) {
  if (!existsSync(file)) return
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedState
  if (saved.format !== FORMAT) throw new Error(`simulator state file ${file}: unknown format ${String(saved.format)}`)
  sim.restore(deserialise(saved, tokens), saved.ids)
  const behind = saved.now - sim.now()
  if (behind > 0) sim.clock.advance(behind)
}

export interface StateSaver {
  /** Saves soon; calls within SAVE_DELAY_MS of each other make one write. */
  schedule(): void
  /** Saves now (waiting for a write under way), e.g. on close. */
  flush(): Promise<void>
}

export function createStateSaver (sim: Simulation, file: string, onError: (err: unknown) => void): StateSaver {
  let timer: NodeJS.Timeout | null = null
  let writing: Promise<void> = Promise.resolve()
  const write = async () => {
    await mkdir(path.dirname(file), { recursive: true })
    const temporary = `${file}.${process.pid}.tmp`
    // the file holds the accounts' tokens: readable by the owner only
    await writeFile(temporary, JSON.stringify(serialise(sim)), { mode: 0o600 })
    await rename(temporary, file)
  }
  const save = () => {
    timer = null
    writing = writing.then(write).catch(onError)
    return writing
  }
  return {
    schedule () {
      timer ??= setTimeout(save, SAVE_DELAY_MS)
    },
    async flush () {
      if (timer) clearTimeout(timer)
      await save()
    }
  }
}
