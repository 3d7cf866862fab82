// A created job TensorPix answers 404 for. The 404 may be passing (a fault, a replica behind) or real (the job is
// gone), so the status sync counts them: after VANISH_AFTER_POLLS consecutive 404s, the first VANISH_AFTER_MS ago or
// more, the job leaves the active states for `vanished`, so it no longer holds a maxConcurrentJobs slot. Its money
// stays as it is: TensorPix charged the job at create, and nothing says it gave the credits back, so the charge is
// kept and the job's error says so for an operator. A 200 at any later time (the sync still asks, hourly, for a
// week; a client GET asks too) is applied as ever, and a terminal status settles it.
import type { Job } from '../generated/prisma/client.ts'

export const VANISH_AFTER_POLLS = 5
export const VANISH_AFTER_MS = 15 * 60_000
export const VANISHED_POLL_MS = 3_600_000
export const VANISHED_POLL_FOR_MS = 7 * 24 * 3_600_000

export interface NotFoundCount {
  notFoundPolls: number
  notFoundSince: Date
  /** whether this 404 sets the job aside as vanished */
  vanishes: boolean
  /** when the sync asks again while vanished; null once it gave up (a client GET still may) */
  vanishedPollAt: Date | null
}

/** The count after one more 404 for the job. Pure. */
export function countNotFound (job: Pick<Job, 'state' | 'notFoundPolls' | 'notFoundSince'>, now: Date): NotFoundCount {
  const notFoundPolls = job.notFoundPolls + 1
  const notFoundSince = job.notFoundSince ?? now
  const missingFor = now.getTime() - notFoundSince.getTime()
  return {
    notFoundPolls,
    notFoundSince,
    vanishes: job.state !== 'vanished' && notFoundPolls >= VANISH_AFTER_POLLS && missingFor >= VANISH_AFTER_MS,
    vanishedPollAt: missingFor < VANISHED_POLL_FOR_MS ? new Date(now.getTime() + VANISHED_POLL_MS) : null
  }
}

/** The job's error once it vanished: what happened and what was done with its money. */
export function vanishedNote (count: Pick<NotFoundCount, 'notFoundPolls' | 'notFoundSince'>): string {
  return `TensorPix answered 404 for this job ${count.notFoundPolls} times from ` +
    `${count.notFoundSince.toISOString()}: set aside as vanished, its charge kept for an operator to check`
}
