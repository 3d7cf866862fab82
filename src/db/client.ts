// The one place that constructs PrismaClient (through the pg driver adapter: Prisma 7 has no bundled engine).
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../generated/prisma/client.ts'
import { withAfterCommit } from './after-commit.ts'

export type Db = PrismaClient
export { Prisma } from '../generated/prisma/client.ts'

export interface DbOptions { url: string, poolSize?: number }

export function createDb ({ url, poolSize = 10 }: DbOptions): Db {
  return withAfterCommit(new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }) }))
}
