// Everything configurable about a simulator instance, with the defaults applied in one place.
import { applyBehaviour, DEFAULT_BEHAVIOUR, type Behaviour, type BehaviourChange } from './behaviour.ts'
import type { FaultRule } from './faults.ts'

export interface SimulatorOptions {
  /** Accepted API tokens; each gets its own account (balance, jobs, videos, storage). */
  tokens: string[]
  /** Starting balance of every account, in credits (decimal string). Default "1000.0000". */
  initialBalance?: string
  /** Enables the /__sim/ control API (test and demo modes). Default false. */
  controlApi?: boolean
  /** Seed for fault draws and job outcomes; the same seed and request sequence give the same run. Default 1. */
  seed?: number
  /**
   * 'realtime' lets jobs progress with the wall clock; 'manual' freezes time until /__sim/ moves it. Default
   * 'manual'.
   */
  clock?: 'manual' | 'realtime'
  /** Time a job waits in the queue (status 0). Default 2000 ms. */
  queueMs?: number
  /** Time a job spends processing (status 1). Default 8000 ms. */
  processingMs?: number
  /** Time until an upload's `file` becomes available. Default 1000 ms. */
  uploadReadyMs?: number
  /** Share of jobs (0..1) that end in status -1 (failed, refunded per behaviour failureRefund). Default 0. */
  failureRate?: number
  /** Requests per minute per token before 429; 0 or absent means unlimited. */
  requestsPerMinute?: number
  /** Storage per account (uploads + outputs). Default 1 TB. */
  storageQuotaBytes?: number
  /** Largest accepted upload. Default 256 MiB (uploads are held in memory). */
  maxUploadBytes?: number
  /** When the balance does not cover a job: 400 (TensorPix's documented behaviour, default) or 402. */
  insufficientCreditsStatus?: 400 | 402
  /** Fastify logger option. Default false. */
  logger?: boolean | object
  /** Timeout for probing a from-url source (HEAD plus ranged GET). Default 10000 ms. */
  urlFetchTimeoutMs?: number
  /** Lifetime of presigned media URLs. Default 7200 s. */
  mediaUrlTtlSeconds?: number
  /** Faults active from the start (the control API can change them later). */
  faults?: FaultRule[]
  /** How undocumented TensorPix behaviour goes (behaviour.ts); each field left out keeps its default. */
  behaviour?: BehaviourChange
  /**
   * Keeps the state (accounts and their tokens, videos with their bytes, jobs, outputs, id counters) in this JSON
   * file: loaded at start when present, written shortly after each request and on close. Default: memory only.
   */
  stateFile?: string
}

export type ResolvedOptions = Required<Omit<SimulatorOptions, 'logger' | 'faults' | 'behaviour' | 'stateFile'>> &
  Pick<SimulatorOptions, 'logger' | 'faults' | 'stateFile'> & { behaviour: Behaviour }

export function resolveOptions (options: SimulatorOptions): ResolvedOptions {
  if (!options.tokens.length) throw new Error('the simulator needs at least one token')
  if (new Set(options.tokens).size !== options.tokens.length) throw new Error('simulator tokens must be unique')
  const failureRate = options.failureRate ?? 0
  if (failureRate < 0 || failureRate > 1) throw new Error('failureRate must be between 0 and 1')
  return {
    tokens: options.tokens,
    initialBalance: options.initialBalance ?? '1000.0000',
    controlApi: options.controlApi ?? false,
    seed: options.seed ?? 1,
    clock: options.clock ?? 'manual',
    queueMs: options.queueMs ?? 2000,
    processingMs: options.processingMs ?? 8000,
    uploadReadyMs: options.uploadReadyMs ?? 1000,
    failureRate,
    requestsPerMinute: options.requestsPerMinute ?? 0,
    storageQuotaBytes: options.storageQuotaBytes ?? 1e12,
    maxUploadBytes: options.maxUploadBytes ?? 256 * 1024 * 1024,
    insufficientCreditsStatus: options.insufficientCreditsStatus ?? 400,
    logger: options.logger,
    urlFetchTimeoutMs: options.urlFetchTimeoutMs ?? 10_000,
    mediaUrlTtlSeconds: options.mediaUrlTtlSeconds ?? 7200,
    faults: options.faults,
    behaviour: applyBehaviour(DEFAULT_BEHAVIOUR, options.behaviour),
    stateFile: options.stateFile
  }
}
