// Fair use of the one master token: a cap on concurrent upstream calls and on calls per second, shared between
// teams when contended, so one team's burst queues behind its own requests instead of starving the others. Every
// call is charged to the team whose request made it (a list's reads included), and among the teams waiting the one
// charged least over the last minute goes next. A call that cannot start within the wait bound is refused rather
// than queued without end. Limits are per replica.
//
// After an upstream 429 the team that made the most calls over the last minute (whoever's call was answered 429)
// pauses for the Retry-After it was given, and the others carry on. Only when a call another team started while that
// team was already paused is answered 429 too (the throttling is not one team's doing) does every team pause.

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

/** Which call was admitted when (in order of admission), for telling whether it started before or after a pause. */
export interface Admission { team: string, order: number }

interface Waiter { start: (admission: Admission) => void, fail: (err: Error) => void, timer: NodeJS.Timeout }

interface TeamState {
  queue: Waiter[]
  // start times of the team's calls within the accounting window, oldest first
  charged: number[]
  pausedUntil: number
  // the order of the last call admitted before the pause began
  pausedAfter: number
}

// TensorPix's throttling is unknown (../shared/tensorpix/API.md §2.3); DRF's usual windows are a minute long
export const ACCOUNTING_WINDOW_MS = 60_000

export class FairScheduler {
  private readonly teams = new Map<string, TeamState>()
  private active = 0
  private admitted = 0
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

  /** Runs fn when the team's turn comes and capacity allows; fn learns when its call was admitted. */
  async run<T> (team: string, fn: (admission: Admission) => Promise<T>): Promise<T> {
    const admission = await this.admit(team)
    try {
      return await fn(admission)
    } finally {
      this.active--
      this.dispatch()
    }
  }

  /**
   * TensorPix answered 429 to the admitted call: the heaviest team over the last minute pauses for `ms`; everyone
   * does when that team was already paused before the call started.
   */
  throttled (admission: Admission, ms: number): void {
    const now = this.now()
    const culprit = this.heaviest(admission.team, now)
    const state = this.stateOf(culprit)
    const alreadyHeld = state.pausedUntil > now && admission.order > state.pausedAfter && culprit !== admission.team
    if (alreadyHeld) {
      this.pausedUntil = Math.max(this.pausedUntil, now + ms)
    } else {
      if (state.pausedUntil <= now) state.pausedAfter = this.admitted
      state.pausedUntil = Math.max(state.pausedUntil, now + ms)
    }
    this.dispatch()
  }

  /** Calls charged to the team over the last minute. */
  chargedTo (team: string): number {
    const state = this.teams.get(team)
    if (!state) return 0
    this.forgetOld(state, this.now())
    return state.charged.length
  }

  get queued (): number {
    let n = 0
    for (const state of this.teams.values()) n += state.queue.length
    return n
  }

  private stateOf (team: string): TeamState {
    let state = this.teams.get(team)
    if (!state) {
      state = { queue: [], charged: [], pausedUntil: 0, pausedAfter: 0 }
      this.teams.set(team, state)
    }
    return state
  }

  private forgetOld (state: TeamState, now: number) {
    let old = 0
    while (old < state.charged.length && (state.charged[old] as number) <= now - ACCOUNTING_WINDOW_MS) old++
    if (old > 0) state.charged.splice(0, old)
  }

  // the team charged most over the window; the team that got the 429 when none was charged more
  private heaviest (answered: string, now: number): string {
    let culprit = answered
    let most = this.chargedTo(answered)
    for (const [team, state] of this.teams) {
      this.forgetOld(state, now)
      if (state.charged.length > most) {
        culprit = team
        most = state.charged.length
      }
    }
    return culprit
  }

  private admit (team: string): Promise<Admission> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        fail: reject,
        timer: setTimeout(() => this.expire(team, waiter), this.options.maxWaitMs)
      }
      this.stateOf(team).queue.push(waiter)
      this.dispatch()
    })
  }

  private expire (team: string, waiter: Waiter) {
    const state = this.teams.get(team)
    const index = state?.queue.indexOf(waiter) ?? -1
    if (!state || index < 0) return
    state.queue.splice(index, 1)
    const until = Math.max(this.pausedUntil, state.pausedUntil)
    waiter.fail(new SchedulerSaturated(Math.max(1, Math.ceil((until - this.now()) / 1000))))
    // the wake-up it may have been waiting for is moot now
    this.scheduleWake(this.now())
  }

  private refill (now: number) {
    if (this.options.perSecond <= 0) return
    const elapsed = now - this.refilledAt
    this.tokens = Math.min(this.options.perSecond, this.tokens + elapsed * this.options.perSecond / 1000)
    this.refilledAt = now
  }

  // among the teams waiting and not paused, the one charged least over the window (on a tie, the one
  // known longest)
  private nextTeam (now: number): string | undefined {
    let next: string | undefined
    let least = Infinity
    for (const [team, state] of this.teams) {
      if (state.queue.length === 0 || state.pausedUntil > now) continue
      this.forgetOld(state, now)
      if (state.charged.length < least) {
        next = team
        least = state.charged.length
      }
    }
    return next
  }

  private dispatch () {
    const now = this.now()
    this.refill(now)
    while (this.active < this.options.maxConcurrent && now >= this.pausedUntil &&
      (this.options.perSecond <= 0 || this.tokens >= 1)) {
      const team = this.nextTeam(now)
      if (team === undefined) break
      const state = this.stateOf(team)
      const waiter = state.queue.shift() as Waiter
      clearTimeout(waiter.timer)
      this.active++
      if (this.options.perSecond > 0) this.tokens--
      state.charged.push(now)
      waiter.start({ team, order: ++this.admitted })
    }
    this.forgetIdle(now)
    this.scheduleWake(now)
  }

  // a team with nothing queued, charged or paused is forgotten, so the map holds only teams that matter now
  private forgetIdle (now: number) {
    for (const [team, state] of this.teams) {
      if (state.queue.length === 0 && state.charged.length === 0 && state.pausedUntil <= now) this.teams.delete(team)
    }
  }

  // when calls wait only for time (a pause or the next token), wake up then rather than on the next arrival
  private scheduleWake (now: number) {
    clearTimeout(this.wakeTimer)
    if (this.queued === 0 || this.active >= this.options.maxConcurrent) return
    const tokenAt = this.options.perSecond > 0 && this.tokens < 1
      ? (1 - this.tokens) * 1000 / this.options.perSecond
      : 0
    const delay = Math.max(this.pausedUntil - now, tokenAt, this.teamPauseLeft(now), 1)
    // a pause can be a minute long: a closing process need not wait for it
    this.wakeTimer = setTimeout(() => this.dispatch(), delay).unref()
  }

  // how long until a paused team with calls waiting may run again, when every waiting team is paused
  private teamPauseLeft (now: number): number {
    let soonest = Infinity
    for (const state of this.teams.values()) {
      if (state.queue.length === 0) continue
      if (state.pausedUntil <= now) return 0
      soonest = Math.min(soonest, state.pausedUntil - now)
    }
    return soonest === Infinity ? 0 : soonest
  }
}
