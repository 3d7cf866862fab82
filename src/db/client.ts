// The one place that constructs PrismaClient (through the pg driver adapter: Prisma 7 has no bundled engine).
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../generated/prisma/client.ts'
import { withAfterCommit } from './after-commit.ts'

export type Db = PrismaClient
export { Prisma } from '../generated/prisma/client.ts'

export interface DbOptions { url: string, poolSize?: number }

// Prisma's defaults (2 s to get a connection, 5 s per transaction) answer a burst of creates with 503s as soon as
// the pool queues: every create runs two short transactions, so a burst of a few hundred waits for its turn instead.
export const TRANSACTIONS = { maxWait: 10_000, timeout: 15_000 }

export function createDb ({ url, poolSize = 10 }: DbOptions): Db {
  return withAfterCommit(new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, max: poolSize }),
    transactionOptions: TRANSACTIONS
  }))
}
