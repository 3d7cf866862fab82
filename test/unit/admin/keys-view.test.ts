import t from 'tap'
import type { ApiKey } from '../../../src/generated/prisma/client.ts'
import { keyCreateProblems, keyStatus, keyView } from '../../../src/admin/keys/view.ts'

const now = new Date('2026-06-01T00:00:00Z')
const row: ApiKey & { team: { slug: string } | null } = {
  id: 'k',
  teamId: 't',
  name: 'n',
  publicId: 'abcdefghijkl',
  secretHash: 'SECRET-HASH',
  previousSecretHash: 'OLD-HASH',
  previousExpiresAt: new Date('2026-06-02T00:00:00Z'),
  scopes: ['jobs:read'],
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  requestsPerMinute: null,
  maxConcurrentJobs: null,
  maxJobsPerDay: null,
  createdAt: now,
  updatedAt: now,
  team: { slug: 'acme' }
}

t.test('a key view has the prefix, never a secret or hash', async t => {
  const view = keyView(row, now)
  t.equal(view.prefix, 'tgw_abcdefghijkl')
  t.equal(view.previousSecretExpiresAt, '2026-06-02T00:00:00.000Z')
  t.notMatch(JSON.stringify(view), /HASH/)
  t.equal(keyView({ ...row, previousSecretHash: null }, now).previousSecretExpiresAt, null)
})

t.test('status', async t => {
  t.equal(keyStatus(row, now), 'active')
  t.equal(keyStatus({ ...row, expiresAt: now }, now), 'expired')
  t.equal(keyStatus({ ...row, expiresAt: now, revokedAt: now }, now), 'revoked')
})

t.test('team keys take data-plane scopes, platform keys admin/finance; expiry lies ahead', async t => {
  t.same(keyCreateProblems({ name: 'x', scopes: ['jobs:read', 'jobs:write'] }, false, now), [])
  t.same(keyCreateProblems({ name: 'x', scopes: ['admin', 'finance'] }, true, now), [])
  t.same(keyCreateProblems({ name: 'x', scopes: ['jobs:read', 'finance'] }, false, now).map(p => p.field), ['body.scopes.1'])
  t.same(keyCreateProblems({ name: 'x', scopes: ['jobs:write'], expiresAt: now.toISOString() }, true, now).map(p => p.field),
    ['body.scopes.0', 'body.expiresAt'])
  t.same(keyCreateProblems({ name: 'x', scopes: ['admin'], expiresAt: null }, true, now), [])
})
