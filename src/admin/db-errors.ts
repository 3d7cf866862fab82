import { Prisma } from '../db/client.ts'

/** A unique constraint refused the write (two admins racing for the same slug or key name). */
export function isUniqueViolation (err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002'
}
