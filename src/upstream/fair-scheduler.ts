// Fair use of the one master token: a cap on concurrent upstream calls and on calls per second, shared between
// teams round-robin when contended, so one team's burst queues behind its own requests instead of starving the
// others. A call that cannot start within the wait bound is refused rather than queued without end. After an
// upstream 429 the whole gateway pauses for the Retry-After it was given. Limits are per replica.

export class SchedulerSaturated extends Error {
  constructor (readonly retryAfterS: number) {
    super('upstream capacity saturated')
    this.name = 'SchedulerSaturated'
  }
}

export interface FairSchedulerOptions {
  maxConcurrent: number
  // 0 = no per-second cap
  perSecond: number
  maxWaitMs: number
  now?: () => number
}

interface Waiter { start: () => void, fail: (err: Error) => void, timer: NodeJS.Timeout }

export class FairScheduler {
  private readonly queues = new Map<string, Waiter[]>()
  private readonly order: string[] = []
  private turn = 0
  private active = 0
  private tokens: number
  private refilledAt: number
  private pausedUntil = 0
  private wakeTimer: NodeJS.Timeout | undefined
  private readonly now: () => number

  constructor (private readonly options: FairSchedulerOptions) {
    this.now = options.now ?? Date.now
    this.tokens = options.perSecond
    this.refilledAt = this.now()
  }

  /** Runs fn when the team's turn comes and capacity allows. */
  async run<T> (team: string, fn: () => Promise<T>): Promise<T> {
    await this.admit(team)
    try {
      return await fn()
    } finally {
      this.active--
      this.dispatch()
    }
  }

  /** Stops starting calls for `ms` (after TensorPix answered 429). */
  pause (ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms)
    this.dispatch()
  }

  get queued (): number {
    let n = 0
    for (const q of this.queues.values()) n += q.length
    return n
  }

  private admit (team: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        fail: reject,
        timer: setTimeout(() => this.expire(team, waiter), this.options.maxWaitMs)
      }
      let queue = this.queues.get(team)
      if (!queue) {
        queue = []
        this.queues.set(team, queue)
        this.order.push(team)
      }
      queue.push(waiter)
      this.dispatch()
    })
  }

  private expire (team: string, waiter: Waiter) {
    const queue = this.queues.get(team)
    const index = queue?.indexOf(waiter) ?? -1
    if (!queue || index < 0) return
    queue.splice(index, 1)
    waiter.fail(new SchedulerSaturated(Math.max(1, Math.ceil((this.pausedUntil - this.now()) / 1000))))
  }

  private refill (now: number) {
    if (this.options.perSecond <= 0) return
    const elapsed = now - this.refilledAt
    this.tokens = Math.min(this.options.perSecond, this.tokens + elapsed * this.options.perSecond / 1000)
    this.refilledAt = now
  }

  private nextTeam (): Waiter | undefined {
    for (let i = 0; i < this.order.length; i++) {
      const team = this.order[(this.turn + i) % this.order.length] as string
      const waiter = this.queues.get(team)?.shift()
      if (waiter) {
        this.turn = (this.turn + i + 1) % this.order.length
        return waiter
      }
    }
    return undefined
  }

  private dispatch () {
    const now = this.now()
    this.refill(now)
    while (this.active < this.options.maxConcurrent && now >= this.pausedUntil &&
      (this.options.perSecond <= 0 || this.tokens >= 1)) {
      const waiter = this.nextTeam()
      if (!waiter) break
      clearTimeout(waiter.timer)
      this.active++
      if (this.options.perSecond > 0) this.tokens--
      waiter.start()
    }
    this.scheduleWake(now)
  }

  // when calls wait only for time (a pause or the next token), wake up then rather than on the next arrival
  private scheduleWake (now: number) {
    clearTimeout(this.wakeTimer)
    if (this.queued === 0 || this.active >= this.options.maxConcurrent) return
    const tokenAt = this.options.perSecond > 0 && this.tokens < 1
      ? (1 - this.tokens) * 1000 / this.options.perSecond
      : 0
    const delay = Math.max(this.pausedUntil - now, tokenAt, 1)
    this.wakeTimer = setTimeout(() => this.dispatch(), delay)
  }
}
