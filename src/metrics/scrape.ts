// One app's scrape: the process-wide instruments plus what is read when somebody scrapes — the key verifier's tallies
// and, from the database, every team's budget in its current period, the active and vanished jobs, the worker lag,
// the over-budget cancels (pending, and what TensorPix kept of over-budget jobs) and the webhook outbox's backlog. The
// database figures describe the shared database, so every replica reports the same values (aggregate with max()).
import { Gauge, Registry } from 'prom-client'
import type { KeyLookups } from '../auth/verifier.ts'
import type { Db } from '../db/client.ts'
import { ACTIVE_STATES } from '../jobs/states.ts'
import { processRegistry, talliedCounter } from './registry.ts'

export interface ScrapeSources {
  db: Db
  keyLookups: Readonly<KeyLookups>
  // a pending create older than this is due for reconciliation (STALE_PENDING_MS)
  stalePendingMs: number
  log: { warn(details: object, message: string): void }
}

export interface Scraper { contentType: string, scrape(): Promise<string> }

interface BudgetRow { team: string, budget: number, charged: number, held: number }

// one query for every team: the usage row of the period containing now (UTC), absent before the first hold
function readBudgets (db: Db) {
  return db.$queryRaw<BudgetRow[]>`
    SELECT t.slug AS team,
      (t.budget_credits + COALESCE(u.adjusted, 0))::float8 AS budget,
      COALESCE(u.charged, 0)::float8 AS charged,
      COALESCE(u.held, 0)::float8 AS held
    FROM teams t
    LEFT JOIN team_period_usage u
      ON u.team_id = t.id AND u.period_start = date_trunc(t.budget_period::text, now() AT TIME ZONE 'UTC')::date`
}

// the active jobs by state, and the jobs set aside as vanished (src/jobs/vanished.ts), in one query
const COUNTED_STATES = [...ACTIVE_STATES, 'vanished']

function readJobCounts (db: Db) {
  return db.$queryRaw<Array<{ state: string, count: number }>>`
    SELECT state::text AS state, count(*)::int AS count FROM jobs
    WHERE state = ANY(${COUNTED_STATES}::"JobState"[]) GROUP BY state`
}

// over-budget cancels by state, and their overspend (src/jobs/overspend.ts), per team (all time)
function readOverBudget (db: Db) {
  return db.$queryRaw<Array<{ team: string, state: string, count: number, overspent: number }>>`
    SELECT t.slug AS team, j.over_budget_cancel::text AS state, count(*)::int AS count,
      COALESCE(sum(j.overspent_credits), 0)::float8 AS overspent
    FROM jobs j JOIN teams t ON t.id = j.team_id
    WHERE j.over_budget_cancel IS NOT NULL GROUP BY t.slug, j.over_budget_cancel`
}

// how long the oldest pending over-budget cancel has been waiting for TensorPix to confirm it (0 = none pending):
// it was requested when the job was settled over budget, at its submission
async function readOldestPendingCancel (db: Db): Promise<number> {
  const [row] = await db.$queryRaw<Array<{ age: number }>>`
    SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(submitted_at)), 0)::float8 AS age
    FROM jobs WHERE over_budget_cancel = 'pending'`
  return row?.age ?? 0
}

// how long the most overdue job has waited past the moment a worker should have picked it up: a running or
// unknown job past its next_sync_at, or a pending create past the stale age (its process died mid-create)
async function readWorkerLag (db: Db, stalePendingMs: number): Promise<number> {
  const [row] = await db.$queryRaw<Array<{ lag: number }>>`
    SELECT GREATEST(0,
      EXTRACT(EPOCH FROM now() - (SELECT min(next_sync_at) FROM jobs
        WHERE state IN ('unknown', 'queued', 'processing') AND next_sync_at <= now())),
      EXTRACT(EPOCH FROM now() - (SELECT min(created_at) FROM jobs WHERE state = 'pending')) - ${stalePendingMs / 1000}::float8
    )::float8 AS lag`
  return row?.lag ?? 0
}

// the latest account check (src/workers/account-check.ts): its cumulative drift and its age
async function readAccountCheck (db: Db): Promise<{ drift: number, ageSeconds: number } | null> {
  const [row] = await db.$queryRaw<Array<{ drift: number, age: number }>>`
    SELECT cumulative_drift::float8 AS drift, EXTRACT(EPOCH FROM now() - checked_at)::float8 AS age
    FROM account_checks ORDER BY id DESC LIMIT 1`
  return row ? { drift: row.drift, ageSeconds: row.age } : null
}

// the webhook outbox's backlog: deliveries waiting for an attempt, and how long the most overdue one has waited past
// its due time (a claimed delivery's lease moves its due time on, so one being sent is not overdue); both from the
// (state, next_attempt_at) index
async function readWebhookBacklog (db: Db): Promise<{ pending: number, lag: number }> {
  const [row] = await db.$queryRaw<Array<{ pending: number, lag: number }>>`
    SELECT count(*)::int AS pending,
      COALESCE(EXTRACT(EPOCH FROM now() - min(next_attempt_at) FILTER (WHERE next_attempt_at <= now())), 0)::float8 AS lag
    FROM webhook_deliveries WHERE state = 'pending'`
  return row ?? { pending: 0, lag: 0 }
}

export function createScraper ({ db, keyLookups, stalePendingMs, log }: ScrapeSources): Scraper {
  const registry = new Registry()
  const registers = [registry]
  const team = ['team'] as const
  const budget = new Gauge({ name: 'tpx_team_budget_credits', help: 'Credits of the team\'s current period, adjustments included (overdraft not)', labelNames: team, registers })
  const charged = new Gauge({ name: 'tpx_team_budget_charged_credits', help: 'Credits charged in the team\'s current period, net of refunds', labelNames: team, registers })
  const held = new Gauge({ name: 'tpx_team_budget_held_credits', help: 'Credits held by creates in flight in the team\'s current period', labelNames: team, registers })
  const active = new Gauge({ name: 'tpx_jobs_active', help: 'Jobs not yet in a terminal state, by state', labelNames: ['state'] as const, registers })
  const vanished = new Gauge({ name: 'tpx_jobs_vanished', help: 'Jobs TensorPix answered 404 for long enough to be set aside (charge kept, still asked after)', registers })
  const lag = new Gauge({ name: 'tpx_worker_lag_seconds', help: 'How long the most overdue non-terminal job has waited past its due sync (0 = none overdue)', registers })
  const cancels = new Gauge({ name: 'tpx_over_budget_cancels', help: 'Jobs whose actual cost broke a hard budget, by the state of their cancel at TensorPix (pending = retried until confirmed)', labelNames: ['team', 'state'] as const, registers })
  const overspent = new Gauge({ name: 'tpx_over_budget_overspent_credits', help: 'Credits by which over-budget jobs took their team past its hard budget when they ended (at most what TensorPix kept of each), all time', labelNames: team, registers })
  const accountDrift = new Gauge({ name: 'tpx_account_drift_credits', help: 'Cumulative drift of the latest account check: the master balance\'s change not explained by the ledger, outside jobs and top-ups (0 = explained)', registers })
  const accountCheckAge = new Gauge({ name: 'tpx_account_check_age_seconds', help: 'Time since the latest account check', registers })
  const oldestCancel = new Gauge({ name: 'tpx_over_budget_cancel_oldest_pending_seconds', help: 'Age of the oldest over-budget cancel TensorPix has not confirmed yet (0 = none pending)', registers })
  const webhooksPending = new Gauge({ name: 'tpx_webhook_deliveries_pending', help: 'Webhook deliveries waiting for an attempt or a retry (the outbox backlog)', registers })
  const webhookLag = new Gauge({ name: 'tpx_webhook_delivery_lag_seconds', help: 'How long the most overdue webhook delivery has waited past its due attempt (0 = none overdue)', registers })
  const databaseUp = new Gauge({ name: 'tpx_metrics_database_up', help: '1 when this scrape could read the database figures, else 0 (they are then absent)', registers })
  talliedCounter(registry, {
    name: 'tpx_key_cache_lookups_total',
    help: 'Key verifications answered from this process\'s cache (hit), from the database (miss), or refused ' +
      'without a lookup for a prefix no key is known to have: over AUTH_UNKNOWN_LOOKUPS_PER_SECOND (capped), or ' +
      'from an address throttled for failed authentication (throttled)',
    labelNames: ['result']
  }, () => (['hit', 'miss', 'capped', 'throttled'] as const).map(result => [{ result }, keyLookups[result]]))
  const fromDatabase = [
    budget, charged, held, active, vanished, lag, cancels, overspent, oldestCancel, accountDrift, accountCheckAge,
    webhooksPending, webhookLag
  ]

  async function refresh () {
    try {
      const [teams, states, lagSeconds, overBudget, oldestCancelSeconds, account, webhooks] = await Promise.all([
        readBudgets(db),
        readJobCounts(db),
        readWorkerLag(db, stalePendingMs),
        readOverBudget(db),
        readOldestPendingCancel(db),
        readAccountCheck(db),
        readWebhookBacklog(db)
      ])
      for (const gauge of fromDatabase) gauge.reset()
      for (const row of teams) {
        budget.set({ team: row.team }, row.budget)
        charged.set({ team: row.team }, row.charged)
        held.set({ team: row.team }, row.held)
      }
      const counts = new Map(states.map(s => [s.state, s.count]))
      for (const state of ACTIVE_STATES) active.set({ state }, counts.get(state) ?? 0)
      vanished.set(counts.get('vanished') ?? 0)
      lag.set(lagSeconds)
      oldestCancel.set(oldestCancelSeconds)
      for (const row of overBudget) {
        cancels.set({ team: row.team, state: row.state }, row.count)
        overspent.inc({ team: row.team }, row.overspent)
      }
      if (account) {
        accountDrift.set(account.drift)
        accountCheckAge.set(account.ageSeconds)
      }
      webhooksPending.set(webhooks.pending)
      webhookLag.set(webhooks.lag)
      databaseUp.set(1)
    } catch (err) {
      log.warn({ err }, 'metrics: the database figures could not be read')
      for (const gauge of fromDatabase) gauge.reset()
      lag.remove()
      vanished.remove()
      accountDrift.remove()
      accountCheckAge.remove()
      oldestCancel.remove()
      webhooksPending.remove()
      webhookLag.remove()
      databaseUp.set(0)
    }
  }

  const merged = Registry.merge([processRegistry, registry])
  // concurrent scrapes share one round of queries
  let refreshing: Promise<void> | null = null
  return {
    contentType: merged.contentType,
    async scrape () {
      refreshing ??= refresh().finally(() => { refreshing = null })
      await refreshing
      return merged.metrics()
    }
  }
}
