import t from 'tap'
import { isDatabaseUnavailable, isRetryableConflict } from '../../src/db/errors.ts'

t.test('database errors are told apart', async t => {
  t.ok(isDatabaseUnavailable({ code: 'P1001' }), 'Prisma cannot reach the server')
  t.ok(isDatabaseUnavailable({ name: 'PrismaClientInitializationError' }))
  t.ok(isDatabaseUnavailable({ message: 'x', cause: { code: 'ECONNREFUSED' } }), 'found in the cause chain')
  t.ok(isDatabaseUnavailable(new Error('Connection terminated unexpectedly')), 'a pooled connection reset under a query')
  t.notOk(isDatabaseUnavailable({ code: 'P2002' }), 'a unique violation is not an outage')
  t.ok(isRetryableConflict({ code: 'P2034' }), 'Prisma write conflict or deadlock')
  t.ok(isRetryableConflict({ cause: { code: '40P01' } }), 'PostgreSQL deadlock')
  t.ok(isRetryableConflict({ code: 'P2028' }), 'a transaction that could not start or timed out on a busy pool')
  t.notOk(isRetryableConflict({ code: 'P1001' }))
  t.notOk(isRetryableConflict(undefined))
})
