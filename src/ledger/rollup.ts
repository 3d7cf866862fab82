// The daily spend rollups (spend_daily_key: team × UTC day × key; spend_daily_model: team × day × model), written
// in the transaction of the ledger row or job transition they count, so reports read these small tables and never
// scan jobs or ledger rows. One statement per write: the key row, then the model rows in id order. Lock order:
// every money transaction takes the team's usage row before any rollup row (a job count comes after the job's
// money), so concurrent writers of one team cannot deadlock.
import { Decimal } from 'decimal.js'
import type { Prisma } from '../db/client.ts'
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

/**
 * Adds a charge or refund to the rollups of the UTC day its ledger row was written (`at` = its created_at), and
 * counts the job event it settles, if any, in the same write (one statement less while the usage row is locked).
 */
export async function rollUpMoney (tx: Tx, kind: 'charge' | 'refund', target: RollupTarget, amount: Decimal, at: Date,
  event: JobEvent | null = null): Promise<void> {
  const shares = splitAmount(amount, target.models).map(s => s.amount)
  const charged = kind === 'charge' ? amount : ZERO
  const refunded = kind === 'refund' ? amount : ZERO
  await upsert(tx, target, isoDay(at), {
    charged: [charged, kind === 'charge' ? shares : shares.map(() => ZERO)],
    refunded: [refunded, kind === 'refund' ? shares : shares.map(() => ZERO)],
    event
  })
}

/**
 * Counts a job event in the rollups of the UTC day of `at` (a job with two models counts once for each); for an
 * event that moved no money (a movement's `counts` counts it otherwise).
 */
export async function countJob (tx: Tx, target: RollupTarget, event: JobEvent, at: Date = new Date()): Promise<void> {
  const zeros = target.models.map(() => ZERO)
  await upsert(tx, target, isoDay(at), { charged: [ZERO, zeros], refunded: [ZERO, zeros], event })
}

interface Change { charged: [Decimal, Decimal[]], refunded: [Decimal, Decimal[]], event: JobEvent | null }

async function upsert (tx: Tx, target: RollupTarget, day: string, change: Change) {
  const one = (event: JobEvent) => change.event === event ? 1 : 0
  const [created, finished, failed, cancelled] = [one('created'), one('finished'), one('failed'), one('cancelled')]
  const money = (values: Decimal[]) => values.map(v => v.toFixed(4))
  await tx.$executeRaw`
    WITH key_row AS (
      INSERT INTO spend_daily_key AS s (team_id, day, api_key_id, charged, refunded,
        jobs_created, jobs_finished, jobs_failed, jobs_cancelled)
      VALUES (${target.teamId}::uuid, ${day}::date, ${target.apiKeyId}::uuid, ${change.charged[0].toFixed(4)}::numeric,
        ${change.refunded[0].toFixed(4)}::numeric, ${created}, ${finished}, ${failed}, ${cancelled})
      ON CONFLICT (team_id, day, api_key_id) DO UPDATE SET
        charged = s.charged + EXCLUDED.charged, refunded = s.refunded + EXCLUDED.refunded,
        jobs_created = s.jobs_created + EXCLUDED.jobs_created, jobs_finished = s.jobs_finished + EXCLUDED.jobs_finished,
        jobs_failed = s.jobs_failed + EXCLUDED.jobs_failed, jobs_cancelled = s.jobs_cancelled + EXCLUDED.jobs_cancelled
    )
    INSERT INTO spend_daily_model AS s (team_id, day, model_id, charged, refunded,
      jobs_created, jobs_finished, jobs_failed, jobs_cancelled)
    SELECT ${target.teamId}::uuid, ${day}::date, m.model_id, m.charged, m.refunded,
      ${created}, ${finished}, ${failed}, ${cancelled}
    FROM unnest(${target.models.map(m => m.modelId)}::int[], ${money(change.charged[1])}::numeric[],
      ${money(change.refunded[1])}::numeric[]) AS m (model_id, charged, refunded)
    ORDER BY m.model_id
    ON CONFLICT (team_id, day, model_id) DO UPDATE SET
      charged = s.charged + EXCLUDED.charged, refunded = s.refunded + EXCLUDED.refunded,
      jobs_created = s.jobs_created + EXCLUDED.jobs_created, jobs_finished = s.jobs_finished + EXCLUDED.jobs_finished,
      jobs_failed = s.jobs_failed + EXCLUDED.jobs_failed, jobs_cancelled = s.jobs_cancelled + EXCLUDED.jobs_cancelled`
}
