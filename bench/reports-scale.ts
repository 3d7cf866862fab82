// npm run bench:reports: the finance reports at scale. Seeds a fresh database on the local PostgreSQL with 1 M jobs,
// then 10 M (BENCH_REPORTS_SCALES, comma-separated), over 100 teams, 1,000 keys, the simulator's 18 models and a
// year of days, with the daily rollups and period usage rows derived from those jobs (so they are consistent),
// then times every report through the real app (buildApp + inject) and prints a table. The database is dropped
// at the end.
//
// Lean on purpose (a shared 2-core machine): the jobs table is the size the reports must NOT depend on, so in
// this throwaway database it is UNLOGGED and loses its secondary indexes and foreign keys before the bulk
// insert (the reports never read it); ids are ordered so the primary key is appended to, not scattered. No ledger
// rows are written: the reports read only the rollups and the usage rows, which are exactly what the ledger
// transaction would have left.
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import pino from 'pino'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createDb } from '../src/db/client.ts'
import { ML_MODELS } from '../src/simulator/catalogue.ts'
import { createTestDatabase } from '../test/helpers/test-database.ts'
import { startModelsUpstream } from '../test/helpers/ml-models-upstream.ts'
import { generateKey, hashKey } from '../src/auth/key-format.ts'

const SCALES = (process.env.BENCH_REPORTS_SCALES ?? '1000000,10000000').split(',').map(Number)
const RUNS = Number(process.env.BENCH_REPORTS_RUNS ?? 5)
const TEAMS = 100
const KEYS_PER_TEAM = 10
const DAYS = 365
const FIRST_DAY = '2025-12-01'
const TOKEN = 'bench-reports-token'

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

async function timed<T> (label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now()
  const result = await fn()
  console.log(`  ${label}: ${seconds(performance.now() - started)}`)
  return result
}

async function prepare (client: pg.Client) {
  await client.query(`
    ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_job_id_fkey;
    DROP INDEX jobs_team_id_created_at_idx, jobs_state_next_sync_at_idx, jobs_api_key_id_created_at_idx, jobs_created_at_idx,
      jobs_state_created_at_idx, jobs_finished_at_idx, jobs_upstream_id_key, jobs_team_id_idempotency_key_key;
    ALTER TABLE jobs DROP CONSTRAINT jobs_team_id_fkey, DROP CONSTRAINT jobs_api_key_id_fkey;
    ALTER TABLE jobs SET UNLOGGED;
    INSERT INTO teams (id, slug, name, budget_credits, updated_at)
      SELECT gen_random_uuid(), 'team-' || lpad(t::text, 3, '0'), 'Team ' || t, 50000, now() FROM generate_series(1, ${TEAMS}) t;`)
  const teams = await client.query<{ id: string }>('SELECT id FROM teams ORDER BY slug')
  for (const [i, team] of teams.rows.entries()) {
    for (let k = 0; k < KEYS_PER_TEAM; k++) {
      const key = generateKey()
      await client.query(`INSERT INTO api_keys (id, team_id, name, public_id, secret_hash, scopes, updated_at)
        VALUES (gen_random_uuid(), $1, $2, $3, $4, '{jobs:read,jobs:write}', now())`, [team.id, `key-${i}-${k}`, key.publicId, hashKey(key.key)])
    }
  }
}

/**
 * Jobs first + 1 .. last: key, day, model, state and cost all follow from the job's number (every key on every
 * day).
 */
async function insertJobs (client: pg.Client, first: number, last: number) {
  const models = ML_MODELS.map(m => m.id)
  await client.query(`
    WITH k AS (SELECT array_agg(id ORDER BY name) AS ids, array_agg(team_id ORDER BY name) AS teams FROM api_keys WHERE team_id IS NOT NULL)
    INSERT INTO jobs (id, team_id, api_key_id, source, state, request, ml_models, period_start, estimated_cost, actual_cost,
      refunded_cost, created_at, finished_at)
    SELECT lpad(to_hex(g), 32, '0')::uuid, k.teams[1 + g % $3], k.ids[1 + g % $3], 'from-url',
      (CASE WHEN g % 10 < 7 THEN 'finished' WHEN g % 10 = 7 THEN 'failed' WHEN g % 10 = 8 THEN 'cancelled' ELSE 'processing' END)::"JobState",
      '{}', ARRAY[($4::int[])[1 + (g / 7) % $5]], date_trunc('month', j.at)::date, j.cost, j.cost,
      CASE WHEN g % 10 IN (7, 8) THEN j.cost ELSE 0 END, j.at, j.at
    FROM k, generate_series($1::bigint, $2::bigint) g,
      LATERAL (SELECT (timestamp '${FIRST_DAY}' + ((g / $3) * 7919 % ${DAYS}) * interval '1 day' + (g % 86400) * interval '1 second') AT TIME ZONE 'UTC' AS at,
        ((g % 997) + 1) / 10000.0 AS cost) j`, [first + 1, last, TEAMS * KEYS_PER_TEAM, models, models.length])
}

/** The rollups and period usage rows the ledger transactions of these jobs would have written. */
async function rollUp (client: pg.Client) {
  const counts = `count(*)::int, (count(*) FILTER (WHERE state = 'finished'))::int, (count(*) FILTER (WHERE state = 'failed'))::int,
    (count(*) FILTER (WHERE state = 'cancelled'))::int`
  await client.query(`TRUNCATE spend_daily_key, spend_daily_model, team_period_usage;
    INSERT INTO spend_daily_key (team_id, day, api_key_id, charged, refunded, jobs_created, jobs_finished, jobs_failed, jobs_cancelled)
      SELECT team_id, (created_at AT TIME ZONE 'UTC')::date, api_key_id, sum(actual_cost), sum(refunded_cost), ${counts}
      FROM jobs GROUP BY 1, 2, 3;
    INSERT INTO spend_daily_model (team_id, day, model_id, charged, refunded, jobs_created, jobs_finished, jobs_failed, jobs_cancelled)
      SELECT team_id, (created_at AT TIME ZONE 'UTC')::date, ml_models[1], sum(actual_cost), sum(refunded_cost), ${counts}
      FROM jobs GROUP BY 1, 2, 3;
    INSERT INTO team_period_usage (team_id, period_start, charged, updated_at)
      SELECT team_id, date_trunc('month', day)::date, sum(charged - refunded), now() FROM spend_daily_key GROUP BY 1, 2;`)
  await client.query('VACUUM ANALYZE spend_daily_key, spend_daily_model, team_period_usage')
}

interface Timing { report: string, rows: number, bytes: number, firstMs: number, medianMs: number }

async function main () {
  const database = await createTestDatabase()
  const models = ML_MODELS.map(m => ({ id: m.id, name: m.name, task: m.task, cost_weight: m.cost_weight }))
  const upstream = await startModelsUpstream(TOKEN, models)
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  const db = createDb({ url: database.url })
  const results: Array<{ jobs: number, seedMs: number, rollupRows: number, timings: Timing[] }> = []
  try {
    await prepare(client)
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', TENSORPIX_TOKEN: TOKEN })
    const app = await buildApp(config, {
      db, databaseUrl: database.url, logger: pino({ level: 'silent' }), upstream: { baseUrl: upstream.baseUrl, token: TOKEN, simulated: true }
    })
    await app.ready()
    const finance = generateKey()
    await client.query(`INSERT INTO api_keys (id, name, public_id, secret_hash, scopes, updated_at)
      VALUES (gen_random_uuid(), 'bench-finance', $1, $2, '{finance}', now())`, [finance.publicId, hashKey(finance.key)])
    const year = `from=${FIRST_DAY}&to=2026-12-01`
    const reports: Array<[string, string]> = [
      ['spend by team, a year', `/admin/v1/reports/spend?${year}&group_by=team`],
      ['spend by key, a year', `/admin/v1/reports/spend?${year}&group_by=key`],
      ['spend by model, a year', `/admin/v1/reports/spend?${year}&group_by=model`],
      ['spend by day, a year', `/admin/v1/reports/spend?${year}&group_by=day`],
      ['spend by month × team, a year', `/admin/v1/reports/spend?${year}&group_by=month,team`],
      ['spend by day × team, a month', '/admin/v1/reports/spend?from=2026-03-01&to=2026-04-01&group_by=day,team'],
      ['spend of one team by key × day, a year', `/admin/v1/reports/spend?${year}&group_by=key,day&team=team-042`],
      ['budgets, 100 teams', '/admin/v1/reports/budgets?at=2026-03-15'],
      ['CSV export by day × team, a year', `/admin/v1/reports/spend?${year}&group_by=day,team&format=csv`],
      ['CSV export by day × key, a year (every rollup row)', `/admin/v1/reports/spend?${year}&group_by=day,key&format=csv`]
    ]
    let seeded = 0
    let seedMs = 0
    for (const scale of SCALES) {
      console.log(`seeding to ${scale.toLocaleString('en')} jobs`)
      const started = performance.now()
      await timed('jobs', () => insertJobs(client, seeded, scale))
      await timed('rollups and usage rows', () => rollUp(client))
      seedMs += performance.now() - started
      seeded = scale
      const rollupRows = (await client.query<{ n: number }>('SELECT (SELECT count(*) FROM spend_daily_key) + (SELECT count(*) FROM spend_daily_model) AS n')).rows[0]?.n ?? 0
      const timings: Timing[] = []
      for (const [report, url] of reports) {
        const ms: number[] = []
        let rows = 0
        let bytes = 0
        for (let i = 0; i < RUNS; i++) {
          const t0 = performance.now()
          const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${finance.key}` } })
          ms.push(performance.now() - t0)
          if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`)
          bytes = res.rawPayload.length
          rows = url.includes('format=csv') ? res.body.split('\r\n').length - 2 : (res.json().rows ?? res.json().teams).length
        }
        const sorted = [...ms].sort((a, b) => a - b)
        timings.push({ report, rows, bytes, firstMs: ms[0] ?? 0, medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0 })
      }
      results.push({ jobs: scale, seedMs, rollupRows: Number(rollupRows), timings })
      printTable(results[results.length - 1]!)
    }
    await app.close()
  } finally {
    await client.end()
    await db.$disconnect()
    await upstream.close()
    await database.drop()
  }
}

function printTable (r: { jobs: number, seedMs: number, rollupRows: number, timings: Timing[] }) {
  console.log(`\n${r.jobs.toLocaleString('en')} jobs (${r.rollupRows.toLocaleString('en')} rollup rows; seeded in ${seconds(r.seedMs)} so far)`)
  console.log('| report | rows | bytes | first (ms) | median of ' + RUNS + ' (ms) |')
  console.log('|---|---:|---:|---:|---:|')
  for (const t of r.timings) {
    console.log(`| ${t.report} | ${t.rows.toLocaleString('en')} | ${t.bytes.toLocaleString('en')} | ${t.firstMs.toFixed(0)} | ${t.medianMs.toFixed(0)} |`)
  }
  console.log('')
}

await main()
