// What every data-plane route knows of its request and is given at registration: the authenticated team key, the
// options, and the read path's memories of jobs and balances. Apart from index.ts so that the route files and the
// scope that registers them do not import each other.
import type { FastifyRequest } from 'fastify'
import type { Decimal } from 'decimal.js'
import type { Db } from '../../db/client.ts'
import type { Principal } from '../../auth/principal.ts'
import type { KnownJobs } from '../../jobs/known-jobs.ts'
import type { JobPolls } from '../../jobs/polls.ts'
import type { Balances } from '../../ledger/balance-cache.ts'

export interface DataPlaneOptions {
  db: Db
  defaultHold: Decimal
  maxUploadBytes: number
  // PUBLIC_URL: the origin of pagination links (src/routes/tensorpix/forward.ts gatewayOrigin)
  publicUrl: string | undefined
  // this replica's memory of TensorPix's answers about jobs, shared with the status sync (src/jobs/polls.ts)
  polls: JobPolls
}
/** What the data plane's route plugins share: the options and the read path's job memory. */
export interface DataPlaneDeps extends DataPlaneOptions { jobs: KnownJobs, balances: Balances }

declare module 'fastify' {
  interface FastifyRequest { timing: { upstreamMs: number } }
}

export type TeamPrincipal = Principal & { teamId: string, teamSlug: string }

/** The authenticated team key of a data-plane request (the scope's hook guarantees it). */
export function teamOf (request: FastifyRequest): TeamPrincipal {
  return request.principal as TeamPrincipal
}
