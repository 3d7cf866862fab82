import t from 'tap'
import type { Db } from '../../../src/db/client.ts'
import { upstreamOutcome } from '../../../src/metrics/registry.ts'
import { createScraper } from '../../../src/metrics/scrape.ts'
import { metricValue, parseMetrics } from '../../helpers/prometheus.ts'

t.test('with the database unreachable a scrape still answers, says so, and shows no stale figures', async t => {
  let down = false
  const warnings: string[] = []
  const rows = [
    [{ team: 'acme', budget: 100, charged: 12.5, held: 10 }],
    [{ state: 'queued', count: 3 }, { state: 'vanished', count: 2 }],
    [{ lag: 4.5 }],
    [{ team: 'acme', state: 'pending', count: 1, overspent: 0 }, { team: 'acme', state: 'overtaken', count: 2, overspent: 0.75 }],
    [{ age: 90 }],
    [{ drift: -1.5, age: 30 }],
    [{ pending: 3, lag: 12.5 }]
  ]
  let call = 0
  const db = {
    $queryRaw: () => down ? Promise.reject(new Error('connection refused')) : Promise.resolve(rows[call++ % rows.length])
  } as unknown as Db
  const scraper = createScraper({
    db,
    keyLookups: { hit: 7, miss: 2, capped: 5, throttled: 3 },
    stalePendingMs: 120_000,
    log: { warn: (_d, m) => { warnings.push(m) } }
  })

  const up = parseMetrics(await scraper.scrape())
  t.equal(metricValue(up, 'tpx_metrics_database_up'), 1)
  t.equal(metricValue(up, 'tpx_team_budget_charged_credits', { team: 'acme' }), 12.5)
  t.equal(metricValue(up, 'tpx_team_budget_held_credits', { team: 'acme' }), 10)
  t.equal(metricValue(up, 'tpx_jobs_active', { state: 'queued' }), 3)
  t.equal(metricValue(up, 'tpx_jobs_active', { state: 'processing' }), 0, 'every active state is present')
  t.equal(metricValue(up, 'tpx_jobs_vanished'), 2, 'set-aside jobs are counted apart')
  t.notOk(up.some(s => s.name === 'tpx_jobs_active' && s.labels.state === 'vanished'), 'and are not active')
  t.equal(metricValue(up, 'tpx_worker_lag_seconds'), 4.5)
  t.equal(metricValue(up, 'tpx_over_budget_cancels', { team: 'acme', state: 'pending' }), 1)
  t.equal(metricValue(up, 'tpx_over_budget_overspent_credits', { team: 'acme' }), 0.75, 'summed over the team\'s states')
  t.equal(metricValue(up, 'tpx_account_drift_credits'), -1.5, 'the latest account check\'s cumulative drift')
  t.equal(metricValue(up, 'tpx_account_check_age_seconds'), 30)
  t.equal(metricValue(up, 'tpx_over_budget_cancel_oldest_pending_seconds'), 90, 'how long the oldest pending cancel waits')
  t.equal(metricValue(up, 'tpx_webhook_deliveries_pending'), 3, 'the webhook outbox backlog')
  t.equal(metricValue(up, 'tpx_webhook_delivery_lag_seconds'), 12.5, 'and how overdue its oldest due delivery is')
  t.equal(metricValue(up, 'tpx_key_cache_lookups_total', { result: 'hit' }), 7)
  t.equal(metricValue(up, 'tpx_key_cache_lookups_total', { result: 'miss' }), 2)
  t.equal(metricValue(up, 'tpx_key_cache_lookups_total', { result: 'capped' }), 5, 'refused over the unknown-lookup cap')
  t.equal(metricValue(up, 'tpx_key_cache_lookups_total', { result: 'throttled' }), 3, 'refused unchecked for a throttled address')

  down = true
  const text = await scraper.scrape()
  const samples = parseMetrics(text)
  t.equal(metricValue(samples, 'tpx_metrics_database_up'), 0)
  for (const name of ['tpx_team_budget_credits', 'tpx_team_budget_charged_credits', 'tpx_jobs_active', 'tpx_jobs_vanished',
    'tpx_worker_lag_seconds', 'tpx_over_budget_cancels', 'tpx_over_budget_overspent_credits',
    'tpx_over_budget_cancel_oldest_pending_seconds', 'tpx_account_drift_credits', 'tpx_webhook_deliveries_pending',
    'tpx_webhook_delivery_lag_seconds']) {
    t.notOk(samples.some(s => s.name === name), `${name} is absent rather than stale`)
  }
  t.equal(metricValue(samples, 'tpx_key_cache_lookups_total', { result: 'hit' }), 7, 'what needs no database is still there')
  t.same(warnings, ['metrics: the database figures could not be read'])
})

t.test('upstream outcomes by status', async t => {
  t.same([200, 201, 204, 302, 400, 404, 429, 500, 503].map(upstreamOutcome),
    ['ok', 'ok', 'ok', 'ok', 'client_error', 'client_error', 'rate_limited', 'server_error', 'server_error'])
})
