// Database trouble is answered 503 with Retry-After, never 500: the money path fails closed (nothing is forwarded
// without a committed hold), and a transaction that lost a conflict rolled back with nothing moved. Either way the
// client should simply retry.
import { GatewayError } from '../errors/gateway-error.ts'

const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P03'])
// node-postgres reports a connection that died under it (an idle pooled connection reset by a failover) by message only
const CONNECTION_LOST = /^Connection terminated( unexpectedly)?$/
// deadlock or serialization failure; P2028: a transaction that could not start, or outlived its timeout, on an
// overloaded pool (Prisma rolled it back)
const CONFLICT_CODES = new Set(['P2034', 'P2028', '40001', '40P01'])
const UNIQUE_VIOLATION = new Set(['P2002'])

interface Chained { code?: unknown, name?: unknown, message?: unknown, cause?: unknown }

// Prisma wraps the driver's error, which wraps the socket's: the code may sit a few causes deep
function * causes (err: unknown): Generator<Chained> {
  let e = err as Chained | undefined
  for (let depth = 0; e && depth < 5; depth++, e = e.cause as Chained | undefined) yield e
}

function hasCode (err: unknown, codes: Set<string>): boolean {
  for (const e of causes(err)) if (typeof e.code === 'string' && codes.has(e.code)) return true
  return false
}

export function isDatabaseUnavailable (err: unknown): boolean {
  for (const e of causes(err)) {
    if (e.name === 'PrismaClientInitializationError') return true
    if (typeof e.message === 'string' && CONNECTION_LOST.test(e.message)) return true
  }
  return hasCode(err, UNAVAILABLE_CODES)
}

export function isRetryableConflict (err: unknown): boolean {
  return hasCode(err, CONFLICT_CODES)
}

/** A unique constraint refused the write (two admins racing for one slug, two creates for one Idempotency-Key). */
export function isUniqueViolation (err: unknown): boolean {
  return hasCode(err, UNIQUE_VIOLATION)
}

export interface DatabaseTrouble { error: GatewayError, logLevel: 'warn' | 'error' }

/** What to answer for a database error, or null when the error is something else. */
export function databaseTrouble (err: unknown): DatabaseTrouble | null {
  if (isRetryableConflict(err)) {
    return { logLevel: 'warn', error: new GatewayError('conflict_retry').with({ headers: { 'retry-after': '1' } }) }
  }
  if (isDatabaseUnavailable(err)) {
    const error = new GatewayError('database_unavailable').with({ headers: { 'retry-after': '5' } })
    return { logLevel: 'error', error }
  }
  return null
}
