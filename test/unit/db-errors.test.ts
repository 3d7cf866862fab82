import t from 'tap'
import { databaseTrouble, isDatabaseUnavailable, isRetryableConflict, isUniqueViolation } from '../../src/db/errors.ts'

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

t.test('a unique violation is told apart from the rest', async t => {
  t.ok(isUniqueViolation({ code: 'P2002', meta: { target: ['slug'] } }), 'Prisma\'s unique constraint failure')
  t.notOk(isUniqueViolation({ code: 'P2034' }))
  t.notOk(isUniqueViolation(new Error('P2002')), 'the code, not the message')
  t.notOk(isUniqueViolation(undefined))
})

t.test('database trouble answers as a catalogue error with Retry-After', async t => {
  t.match(databaseTrouble({ code: 'P2034' }),
    { logLevel: 'warn', error: { code: 'conflict_retry', statusCode: 503, headers: { 'retry-after': '1' } } })
  t.match(databaseTrouble({ code: 'P1001' }),
    { logLevel: 'error', error: { code: 'database_unavailable', statusCode: 503, headers: { 'retry-after': '5' } } })
  t.equal(databaseTrouble({ code: 'P2002' }), null, 'a unique violation is the caller\'s to answer')
})
