import t from 'tap'
import { Decimal } from 'decimal.js'
import { keyBreakdown, totals } from '../../../src/admin/usage/view.ts'
import { auditJson } from '../../../src/admin/audit/service.ts'

const key = (id: string, revoked = false) => ({ id, publicId: `${id}pppppppppp`.slice(0, 12), name: id, revokedAt: revoked ? new Date() : null })

t.test('per-key totals from grouped ledger sums, exact in decimal', async t => {
  const rows = keyBreakdown(
    [key('a'), key('b'), key('c', true), key('d', true)],
    [
      { apiKeyId: 'a', kind: 'hold', amount: '0.3' },
      { apiKeyId: 'a', kind: 'release', amount: '0.1' },
      { apiKeyId: 'a', kind: 'charge', amount: '0.2' },
      { apiKeyId: 'a', kind: 'refund', amount: '0.1' },
      { apiKeyId: null, kind: 'adjust', amount: '50' },
      { apiKeyId: 'd', kind: 'charge', amount: '1' }
    ],
    [{ apiKeyId: 'b', count: 2 }],
    [{ apiKeyId: 'a', count: 1 }]
  )
  t.same(rows.map(r => [r.id, r.charged, r.held, r.jobsToday, r.activeJobs]), [
    ['a', '0.1000', '0.2000', 0, 1],
    ['b', '0.0000', '0.0000', 2, 0],
    ['d', '1.0000', '0.0000', 0, 0]
  ], 'an idle revoked key is left out')
})

t.test('totals', async t => {
  t.same(totals({ charged: new Decimal('0.1'), held: new Decimal('0.2'), adjusted: new Decimal('-0.3') }, { credits: '1', overdraft: '9' }),
    { charged: '0.1000', held: '0.2000', adjusted: '-0.3000', remaining: '0.4000' })
})

t.test('audit JSON drops secret-bearing fields and absent sides', async t => {
  t.same(auditJson({ id: 'k', key: 'tgw_x', nested: { secretHash: 'h', ok: 1 } }), { id: 'k', nested: { ok: 1 } })
  t.equal(auditJson(null), undefined)
})
