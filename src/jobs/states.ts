import type { JobState } from '../generated/prisma/enums.ts'

export const TERMINAL_STATES: readonly JobState[] = ['finished', 'failed', 'cancelled', 'rejected']
// `vanished` (src/jobs/vanished.ts) is neither: it holds no concurrency slot, and a terminal status still ends it
export const ACTIVE_STATES: readonly JobState[] = ['pending', 'unknown', 'queued', 'processing']

/** TensorPix's integer job status → our state. */
export function stateForStatus (status: number): JobState {
  switch (status) {
    case 0: return 'queued'
    case 1: return 'processing'
    case 2: return 'finished'
    case -1: return 'failed'
    case -2: return 'cancelled'
    default: return 'processing'
  }
}

export function isTerminal (state: JobState): boolean {
  return TERMINAL_STATES.includes(state)
}
