// Database outages are answered 503 with Retry-After, never 500: the money path fails closed (nothing is forwarded
// without a committed hold) and clients should simply retry.
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024'])
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P03'])

export const DATABASE_RETRY_AFTER_S = '5'

export function isDatabaseUnavailable (err: unknown): boolean {
  for (let e = err as { code?: unknown, name?: unknown, cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.name === 'PrismaClientInitializationError') return true
    if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || UNAVAILABLE_ERRNO.has(e.code))) return true
  }
  return false
}

// a deadlock or serialization failure rolled the transaction back: nothing moved, the request can simply be retried
const RETRYABLE_CODES = new Set(['P2034', '40001', '40P01'])

export function isRetryableConflict (err: unknown): boolean {
  for (let e = err as { code?: unknown, cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && RETRYABLE_CODES.has(e.code)) return true
  }
  return false
}
