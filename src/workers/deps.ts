import type { BaseLogger } from 'pino'
import type { Db } from '../db/client.ts'
import type { TensorpixApi } from '../upstream/tensorpix.ts'
import type { JobPolls } from '../jobs/polls.ts'

// Fastify's app.log and a plain pino logger both have these, so a worker runs with or without an app.
export type WorkerLog = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>

/**
 * What every worker pass is given: the database, TensorPix, a logger and the clock, and the replica's memory of job
 * reads it shares with the data plane (src/jobs/polls.ts; without it, as in a pass a test runs, the status sync
 * shares nothing).
 */
export interface WorkerDeps { db: Db, upstream: TensorpixApi, log: WorkerLog, now: () => Date, polls?: JobPolls }
