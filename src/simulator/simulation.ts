// The simulated TensorPix backend: accounts, media, jobs and their lifecycle, with every credit movement in one
// place. Time-driven transitions are applied lazily (sync) whenever an account is touched, so the state read is
// always the state "now" on the simulator's clock, whichever clock that is.
import { applyBehaviour, type Behaviour, type BehaviourChange } from './behaviour.ts'
import type { MLModel } from './catalogue.ts'
import type { Clock } from './clock.ts'
import { conflict, invalid, detailError, nonFieldError } from './errors.ts'
import type { JobPlan } from './job-plan.ts'
import { credits, Decimal, ZERO, type Amount } from './money.ts'
import { cancelRefund, refundShare } from './pricing.ts'
import { seededRandom, type Random } from './prng.ts'
import type { Account, JobParams, JobRecord, RestoredRecord, VideoRecord } from './records.ts'
import type { VideoFacts } from './video-probe.ts'
import type { ResolvedOptions } from './options.ts'

export interface NewVideo {
  name: string
  facts: VideoFacts
  size: number
  bytes: Uint8Array
  contentType: string
  externalUrl: string | null
}

const FIRST_IDS = { job: 1001, video: 5001, restored: 9001 }
/** The next id of each kind. */
export type IdCounters = typeof FIRST_IDS

export interface SimulationRecords {
  accounts: Account[]
  videos: VideoRecord[]
  jobs: JobRecord[]
  restored: RestoredRecord[]
}

const isActive = (job: JobRecord) => job.status === 0 || job.status === 1

export class Simulation {
  readonly accounts = new Map<string, Account>()
  readonly jobs = new Map<number, JobRecord>()
  readonly videos = new Map<number, VideoRecord>()
  readonly restored = new Map<number, RestoredRecord>()
  private ids = { ...FIRST_IDS }
  private outcomes!: Random
  /** What the simulator does where TensorPix is undocumented; changed at runtime through /__sim/behaviour. */
  behaviour!: Behaviour

  constructor (readonly options: ResolvedOptions, readonly clock: Clock) {
    this.reset(options.seed)
  }

  setBehaviour (change: BehaviourChange) {
    this.behaviour = applyBehaviour(this.behaviour, change)
  }

  /** Back to the start: the option's accounts, ids and behaviour, and outcome draws from `seed`. */
  reset (seed: number) {
    this.behaviour = this.options.behaviour
    this.accounts.clear()
    this.jobs.clear()
    this.videos.clear()
    this.restored.clear()
    this.ids = { ...FIRST_IDS }
    this.outcomes = seededRandom(seed, 'outcomes')
    this.options.tokens.forEach((token, index) => this.accounts.set(token, {
      token,
      userId: index + 1,
      email: `user${index + 1}@simulator.tensorpix.local`,
      balance: new Decimal(this.options.initialBalance),
      storageQuotaBytes: this.options.storageQuotaBytes,
      jobsCreated: 0,
      charged: ZERO,
      refunded: ZERO
    }))
  }

  now () {
    return this.clock.now()
  }

  records (): SimulationRecords {
    return {
      accounts: [...this.accounts.values()],
      videos: [...this.videos.values()],
      jobs: [...this.jobs.values()],
      restored: [...this.restored.values()]
    }
  }

  idCounters (): IdCounters {
    return { ...this.ids }
  }

  /** Takes over saved records (stateFile); a token of the options without a saved account gets a fresh one. */
  restore (records: SimulationRecords, ids: IdCounters) {
    const fresh = [...this.accounts.values()].filter(account => !records.accounts.some(a => a.token === account.token))
    let nextUserId = Math.max(0, ...records.accounts.map(account => account.userId)) + 1
    this.accounts.clear()
    for (const account of records.accounts) this.accounts.set(account.token, account)
    for (const account of fresh) {
      const userId = nextUserId++
      this.accounts.set(account.token, { ...account, userId, email: `user${userId}@simulator.tensorpix.local` })
    }
    const byId = <T extends { id: number }>(map: Map<number, T>, list: T[]) => {
      map.clear()
      for (const record of list) map.set(record.id, record)
    }
    byId(this.videos, records.videos)
    byId(this.jobs, records.jobs)
    byId(this.restored, records.restored)
    this.ids = { ...ids }
  }

  /** Applies every time-driven transition due for the account's jobs. */
  syncAccount (account: Account) {
    for (const job of this.jobs.values()) if (job.owner === account && isActive(job)) this.sync(job)
  }

  sync (job: JobRecord) {
    const now = this.now()
    if (job.status === 0 && now >= job.createdAt + this.options.queueMs) {
      job.status = 1
      job.processingStartedAt = job.createdAt + this.options.queueMs
    }
    const started = job.processingStartedAt
    if (job.status === 1 && started !== null && now >= started + this.options.processingMs) {
      this.finish(job, started + this.options.processingMs, job.outcome)
    }
  }

  /** Progress (0..1) and remaining seconds at the current time. */
  progress (job: JobRecord): { progress: number, etaSeconds: number } {
    const now = this.now()
    const { queueMs, processingMs } = this.options
    if (job.status === 0) {
      return { progress: 0, etaSeconds: Math.max(0, job.createdAt + queueMs - now + processingMs) / 1000 }
    }
    if (job.status === 1 && job.processingStartedAt !== null) {
      const elapsed = now - job.processingStartedAt
      const progress = processingMs > 0 ? Math.min(1, Math.max(0, elapsed / processingMs)) : 1
      return { progress: Math.round(progress * 1000) / 1000, etaSeconds: Math.max(0, processingMs - elapsed) / 1000 }
    }
    if (job.status === 2) return { progress: 1, etaSeconds: 0 }
    return { progress: job.stoppedProgress, etaSeconds: 0 }
  }

  /** A job's `started`: its creation, or (startedMeaning 'processing') its processing start, null while queued. */
  startedAt (job: JobRecord): number | null {
    return this.behaviour.startedMeaning === 'created' ? job.createdAt : job.processingStartedAt
  }

  /** Whether answers show a finished job's output yet: only after outputVideoAfterPolls GETs of the job. */
  outputShown (job: JobRecord): boolean {
    return job.restored !== null && job.finishedPolls >= this.behaviour.outputVideoAfterPolls
  }

  /** Counts a GET (detail, list or history) that answered with the job, once it has finished. */
  notePoll (job: JobRecord) {
    if (job.status === 2) job.finishedPolls++
  }

  /**
   * A job's `cost_usd` in job answers: what the account still pays for it (net of a refund) or, as the behaviour for
   * cancelled and failed jobs may say, the cost it was created with (gross).
   */
  reportedCost (job: JobRecord): Amount {
    const report = job.status === -2
      ? this.behaviour.cancelCostReport
      : job.status === -1 ? this.behaviour.failureCostReport : 'net'
    return report === 'gross' ? job.cost : job.cost.minus(job.refunded)
  }

  storageUsed (account: Account): number {
    let used = 0
    for (const video of this.videos.values()) {
      if (video.owner === account && video.deletedAt === null && video.externalUrl === null) used += video.size
    }
    for (const job of this.jobs.values()) {
      if (job.owner !== account) continue
      if (isActive(job) || (job.restored && job.restored.deletedAt === null)) used += job.output.size
    }
    return used
  }

  private ensureStorage (account: Account, bytes: number) {
    const used = this.storageUsed(account)
    if (used + bytes > account.storageQuotaBytes) {
      throw nonFieldError(`Storage limit exceeded: ${used} of ${account.storageQuotaBytes} bytes used and this needs ${bytes} more. Delete enhanced or uploaded videos to free space.`)
    }
  }

  addUpload (account: Account, video: NewVideo): VideoRecord {
    this.syncAccount(account)
    this.ensureStorage(account, video.size)
    const now = this.now()
    const record: VideoRecord = {
      ...video,
      id: this.ids.video++,
      owner: account,
      createdAt: now,
      readyAt: now + this.options.uploadReadyMs,
      deletedAt: null
    }
    this.videos.set(record.id, record)
    return record
  }

  /**
   * Charges and queues a job. Checks storage, then credits, before anything is recorded, so a refused request
   * leaves no trace; a from-url source video is only created once the job is certain.
   */
  startJob (
    account: Account,
    input: VideoRecord | NewVideo,
    models: MLModel[],
    params: JobParams,
    plan: JobPlan
  ): JobRecord {
    this.syncAccount(account)
    this.ensureStorage(account, plan.output.size)
    if (plan.cost.greaterThan(account.balance)) {
      const message = `Insufficient credits: this job costs ${credits(plan.cost)} credits and the balance is ${credits(account.balance)}.`
      throw this.options.insufficientCreditsStatus === 402 ? detailError(402, message) : nonFieldError(message)
    }
    const now = this.now()
    const video = 'id' in input ? input : this.registerSource(account, input, now)
    account.balance = account.balance.minus(plan.cost)
    account.charged = account.charged.plus(plan.cost)
    account.jobsCreated++
    const job: JobRecord = {
      id: this.ids.job++,
      owner: account,
      input: video,
      models,
      params,
      cost: plan.cost,
      output: plan.output,
      outcome: this.outcomes.next() < this.options.failureRate ? 'fail' : 'finish',
      status: 0,
      createdAt: now,
      processingStartedAt: null,
      finishedAt: null,
      stoppedProgress: 0,
      refunded: ZERO,
      restored: null,
      finishedPolls: 0
    }
    this.jobs.set(job.id, job)
    return job
  }

  private registerSource (account: Account, video: NewVideo, now: number): VideoRecord {
    const record: VideoRecord = {
      ...video, id: this.ids.video++, owner: account, createdAt: now, readyAt: null, deletedAt: null
    }
    this.videos.set(record.id, record)
    return record
  }

  private refund (job: JobRecord, amount: Amount) {
    job.refunded = job.refunded.plus(amount)
    job.owner.balance = job.owner.balance.plus(amount)
    job.owner.refunded = job.owner.refunded.plus(amount)
  }

  private finish (job: JobRecord, at: number, outcome: 'finish' | 'fail') {
    job.finishedAt = at
    if (outcome === 'fail') {
      job.stoppedProgress = this.progress(job).progress
      job.status = -1
      this.refund(job, refundShare(job.cost, this.behaviour.failureRefund))
      return
    }
    job.status = 2
    const base = job.input.name.replace(/\.[^.]*$/, '') || `video-${job.input.id}`
    const restored: RestoredRecord = { id: this.ids.restored++, job, owner: job.owner, name: `${base}_enhanced.${job.params.container}`, createdAt: at, deletedAt: null }
    job.restored = restored
    this.restored.set(restored.id, restored)
  }

  /** DELETE /api/jobs/{id}/: refunds the behaviour's share for the phase the job was in (all of it, 80% by default). */
  cancel (job: JobRecord) {
    this.sync(job)
    if (job.status === -2) throw conflict('Job is already canceled.')
    if (!isActive(job)) throw conflict(`Job has already ${job.status === 2 ? 'finished' : 'failed'} and cannot be canceled.`)
    job.stoppedProgress = this.progress(job).progress
    this.refund(job, cancelRefund(job.cost, job.status === 0 ? 'queued' : 'processing', this.behaviour.cancelRefund))
    job.status = -2
    job.finishedAt = this.now()
  }

  deleteVideo (video: VideoRecord) {
    const active = [...this.jobs.values()].find(job => {
      if (job.input !== video) return false
      this.sync(job)
      return isActive(job)
    })
    if (active) throw conflict(`Video is used by job ${active.id}, which is still active. Stop the job or wait for it to finish.`)
    video.deletedAt = this.now()
  }

  deleteRestored (restored: RestoredRecord) {
    restored.deletedAt = this.now()
  }

  /** Control API: move a job one step along 0 → 1 → its drawn outcome. */
  advance (job: JobRecord) {
    this.sync(job)
    if (job.status === 0) {
      job.status = 1
      job.processingStartedAt = this.now()
    } else if (job.status === 1) {
      this.finish(job, this.now(), job.outcome)
    } else {
      throw conflict(`Job ${job.id} is already in terminal status ${job.status}.`)
    }
  }

  /** Control API: end an active job now, as finished or failed regardless of its drawn outcome. */
  settle (job: JobRecord, outcome: 'finish' | 'fail') {
    this.sync(job)
    if (!isActive(job)) throw conflict(`Job ${job.id} is already in terminal status ${job.status}.`)
    if (job.status === 0) job.processingStartedAt = this.now()
    job.status = 1
    this.finish(job, this.now(), outcome)
  }

  /** Control API: every active job reaches its drawn outcome now. */
  drain (): JobRecord[] {
    const active = [...this.jobs.values()].filter(job => {
      this.sync(job)
      return isActive(job)
    })
    for (const job of active) this.settle(job, job.outcome)
    return active
  }

  setAccount (account: Account, changes: { balance?: Amount, storageQuotaBytes?: number }) {
    if (changes.balance !== undefined) account.balance = changes.balance
    if (changes.storageQuotaBytes !== undefined) account.storageQuotaBytes = changes.storageQuotaBytes
  }

  /** GET /__sim/state: every account by its user id (never by its token, which no control answer shows). */
  snapshot () {
    const accounts: Record<string, ReturnType<Simulation['accountState']>> = {}
    for (const account of this.accounts.values()) accounts[String(account.userId)] = this.accountState(account)
    return { now: new Date(this.now()).toISOString(), clock: this.clock.mode, accounts }
  }

  /** One account as the control API shows it: money as decimal strings. */
  accountState (account: Account) {
    this.syncAccount(account)
    const jobs = [...this.jobs.values()].filter(job => job.owner === account)
    const count = (status: number) => jobs.filter(job => job.status === status).length
    return {
      user_id: account.userId,
      email: account.email,
      balance: credits(account.balance),
      jobs_created: account.jobsCreated,
      credits_charged: credits(account.charged),
      credits_refunded: credits(account.refunded),
      storage_used: this.storageUsed(account),
      storage_quota: account.storageQuotaBytes,
      jobs: { queued: count(0), processing: count(1), finished: count(2), failed: count(-1), canceled: count(-2) },
      // what each job really cost the account, whatever its answers report: the oracle for money tests
      job_charges: jobs.map(job => ({
        id: job.id,
        status: job.status,
        charged: credits(job.cost),
        refunded: credits(job.refunded),
        net: credits(job.cost.minus(job.refunded))
      })),
      videos: [...this.videos.values()].filter(v => v.owner === account && v.deletedAt === null).length,
      restored_videos: [...this.restored.values()].filter(r => r.owner === account && r.deletedAt === null).length
    }
  }

  /** Owner-scoped lookups: another account's id is simply not found. */
  jobOf (account: Account, id: number) {
    const job = this.jobs.get(id)
    if (!job || job.owner !== account) return undefined
    this.sync(job)
    return job
  }

  videoOf (account: Account, id: number) {
    const video = this.videos.get(id)
    return video && video.owner === account && video.deletedAt === null ? video : undefined
  }

  restoredOf (account: Account, id: number) {
    const restored = this.restored.get(id)
    return restored && restored.owner === account && restored.deletedAt === null ? restored : undefined
  }

  /** DRF's answer to a related id the caller cannot see. */
  static missing (field: string, id: unknown) {
    return invalid({ [field]: [`Invalid pk "${String(id)}" - object does not exist.`] })
  }
}
