import type { Prisma } from '../db/client.ts'
import { encodeInvalidation, KEY_CHANNEL, type Invalidation } from './key-cache.ts'

/** Call inside the transaction that changes a key or team: replicas drop their cached copy when it commits. */
export async function notifyKeyChange (tx: Prisma.TransactionClient, what: Invalidation): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${KEY_CHANNEL}, ${encodeInvalidation(what)})`
}
