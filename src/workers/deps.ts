import type { FastifyBaseLogger } from 'fastify'
import type { Db } from '../db/client.ts'
import type { TensorpixApi } from '../upstream/tensorpix.ts'

/** What every worker pass is given: the database, TensorPix, a logger and the clock. */
export interface WorkerDeps { db: Db, upstream: TensorpixApi, log: FastifyBaseLogger, now: () => Date }
