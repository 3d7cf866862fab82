// The daily spend rollups (spend_daily_key: team × UTC day × key; spend_daily_model: team × day × model), written
// in the transaction of the ledger row or job transition they count, so reports read these small tables and never
// scan jobs or ledger rows. Each write is part of one statement: the key row, then the model rows in id order. Lock
// order: every money transaction takes the team's usage row before any rollup row (money's rollups are written by the
// ledger's statement that moves the usage row, after it; a job count comes after the job's money), so concurrent
// writers of one team cannot deadlock.
import { Decimal } from 'decimal.js'
import { Prisma } from '../db/client.ts'
import { modelWeights, splitAmount, type ModelWeight } from './model-split.ts'

type Tx = Prisma.TransactionClient

/** What a rollup row is keyed by: the job's team and key, and its models with their cost weights. */
export interface RollupTarget { teamId: string, apiKeyId: string, models: ModelWeight[] }

/**
 * A job counts as created when TensorPix accepted it (its create was settled), never for a refused create; it
 * counts as finished, failed or cancelled at its terminal transition. Each on the UTC day it happened.
 */
export type JobEvent = 'created' | 'finished' | 'failed' | 'cancelled'

const ZERO = new Decimal(0)

export function rollupTarget (
  job: { teamId: string, apiKeyId: string, mlModels: number[], costWeights: unknown }
): RollupTarget {
  return { teamId: job.teamId, apiKeyId: job.apiKeyId, models: modelWeights(job.mlModels, job.costWeights) }
}

const isoDay = (at: Date) => at.toISOString().slice(0, 10)

/** What one write adds to a job's rollup rows: money (the charged or refunded amount), a job event, or both. */
export interface RollupChange { charged: Decimal, refunded: Decimal, event: JobEvent | null }

/**
 * A job event that moved no money, counted in the rollups of the UTC day of `at` (a job with two models counts
 * once for each); an event that moved money is counted with it, by the ledger statement (src/ledger/money.ts).
 */
export async function countJob (tx: Tx, target: RollupTarget, event: JobEvent, at: Date = new Date()): Promise<void> {
  await tx.$executeRaw`WITH once AS (SELECT 1)
    ${rollupWrites(target, at, { charged: ZERO, refunded: ZERO, event }, Prisma.sql`once`)} SELECT 1`
}

/**
 * The rollup writes of one change, on the UTC day of `at`, as two more entries of a statement's WITH list
 * (`rollup_key`, `rollup_models`). They write once `after` (a CTE of the statement, the usage row's UPDATE in the
 * ledger's statements) has produced its row, and nothing when it has none: reading from it orders the locks as
 * the lock order above says (usage row, key row, model rows in id order), which a statement's WITH list alone
 * would not (PostgreSQL runs its entries in no promised order).
 */
export function rollupWrites (target: RollupTarget, at: Date, change: RollupChange, after: Prisma.Sql): Prisma.Sql {
  const one = (event: JobEvent) => change.event === event ? 1 : 0
  const [created, finished, failed, cancelled] = [one('created'), one('finished'), one('failed'), one('cancelled')]
  const shares = (amount: Decimal) => splitAmount(amount, target.models).map(s => s.amount.toFixed(4))
  return Prisma.sql`, rollup_key AS (
      INSERT INTO spend_daily_key AS s (team_id, day, api_key_id, charged, refunded,
        jobs_created, jobs_finished, jobs_failed, jobs_cancelled)
      SELECT ${target.teamId}::uuid, ${isoDay(at)}::date, ${target.apiKeyId}::uuid, ${change.charged.toFixed(4)}::numeric,
        ${change.refunded.toFixed(4)}::numeric, ${created}, ${finished}, ${failed}, ${cancelled}
      FROM ${after}
      ON CONFLICT (team_id, day, api_key_id) DO UPDATE SET
        charged = s.charged + EXCLUDED.charged, refunded = s.refunded + EXCLUDED.refunded,
        jobs_created = s.jobs_created + EXCLUDED.jobs_created, jobs_finished = s.jobs_finished + EXCLUDED.jobs_finished,
        jobs_failed = s.jobs_failed + EXCLUDED.jobs_failed, jobs_cancelled = s.jobs_cancelled + EXCLUDED.jobs_cancelled
      RETURNING 1
    ), rollup_models AS (
      INSERT INTO spend_daily_model AS s (team_id, day, model_id, charged, refunded,
        jobs_created, jobs_finished, jobs_failed, jobs_cancelled)
      SELECT ${target.teamId}::uuid, ${isoDay(at)}::date, m.model_id, m.charged, m.refunded,
        ${created}, ${finished}, ${failed}, ${cancelled}
      FROM unnest(${target.models.map(m => m.modelId)}::int[], ${shares(change.charged)}::numeric[],
        ${shares(change.refunded)}::numeric[]) AS m (model_id, charged, refunded) CROSS JOIN rollup_key
      ORDER BY m.model_id
      ON CONFLICT (team_id, day, model_id) DO UPDATE SET
        charged = s.charged + EXCLUDED.charged, refunded = s.refunded + EXCLUDED.refunded,
        jobs_created = s.jobs_created + EXCLUDED.jobs_created, jobs_finished = s.jobs_finished + EXCLUDED.jobs_finished,
        jobs_failed = s.jobs_failed + EXCLUDED.jobs_failed, jobs_cancelled = s.jobs_cancelled + EXCLUDED.jobs_cancelled
    )`
}
