// A create whose upstream job the gateway cannot tell for sure (two teams' lost creates matching one TensorPix job,
// a late 201 naming a job another create already took): its money is not guessed. The create keeps its hold (or its
// charge), reconciliation never releases it, and the team's webhooks, the log and the job's `error` say why, until
// an operator decides.
import type { Db } from '../db/client.ts'
import { emitEvent } from '../webhooks/events.ts'

const PREFIX = 'held for an operator: '

/** Whether reconciliation must leave this create alone: never released, never guessed. */
export function heldForOperator (job: { error: string | null }): boolean {
  return job.error?.startsWith(PREFIX) === true
}

/**
 * Flags a create for an operator, in the job's `error` and as a `reconciliation.ambiguous` event. Only the first
 * flag with a given reason raises the event, so a reconciliation pass that finds the same doubt again stays quiet.
 * Returns whether the flag is new.
 */
export async function holdForOperator (
  db: Db,
  job: { id: string, teamId: string },
  reason: string,
  data: Record<string, unknown> = {}
): Promise<boolean> {
  const error = `${PREFIX}${reason}`
  return db.$transaction(async tx => {
    const unflagged = { id: job.id, OR: [{ error: null }, { error: { not: error } }] }
    const changed = await tx.job.updateMany({ where: unflagged, data: { error } })
    if (changed.count === 0) return false
    await emitEvent(tx, job.teamId, 'reconciliation.ambiguous', { jobId: job.id, reason, ...data })
    return true
  })
}
