// Ownership of TensorPix video objects (uploads, from-url inputs, enhanced outputs) by team.
import type { Db, Prisma } from '../db/client.ts'
import type { MediaKind } from '../generated/prisma/enums.ts'

type Tx = Prisma.TransactionClient

export interface Ownership {
  teamId: string
  kind: MediaKind
  upstreamId: number
  jobId?: string | null
  snapshot?: unknown
}

export async function recordOwnership (tx: Tx | Db, o: Ownership): Promise<void> {
  await tx.mediaObject.createMany({
    data: [{
      teamId: o.teamId,
      kind: o.kind,
      upstreamId: o.upstreamId,
      jobId: o.jobId ?? null,
      snapshot: (o.snapshot ?? undefined) as Prisma.InputJsonValue | undefined
    }],
    skipDuplicates: true
  })
}

/**
 * The team's live object of that kind and upstream id, or null: another team's object is as absent as a missing one.
 */
export function findOwned (db: Db, teamId: string, kind: MediaKind, upstreamId: number) {
  return db.mediaObject.findFirst({ where: { teamId, kind, upstreamId, deletedAt: null } })
}
