import t from 'tap'
import { Decimal } from 'decimal.js'
import { makeKey } from '../../helpers/factories.ts'
import { charge, placeHold, refund, releaseHold } from '../../../src/ledger/money.ts'
import { currentPeriod } from '../../../src/ledger/usage.ts'
import { rollupTarget } from '../../../src/ledger/rollup.ts'
import type { Db } from '../../../src/db/client.ts'
import { adminBed, teamBody } from '../../helpers/admin-bed.ts'

type JobState = 'pending' | 'unknown' | 'queued' | 'processing' | 'finished' | 'failed' | 'cancelled' | 'rejected'

async function job (db: Db, team: { id: string, budgetPeriod: 'day' | 'week' | 'month' }, keyId: string, state: JobState, moves: Array<[string, string]>, createdAt = new Date()) {
  const period = currentPeriod(team, new Date())
  const row = await db.job.create({
    data: { teamId: team.id, apiKeyId: keyId, source: 'from-url', state, request: {}, periodStart: period.periodStart, createdAt }
  })
  const rule = { mode: 'soft' as const, credits: new Decimal(0), overdraft: new Decimal(0) }
  await db.$transaction(async tx => {
    for (const [kind, amount] of moves) {
      const m = { ...period, ...rollupTarget(row), jobId: row.id, amount: new Decimal(amount), reason: kind }
      if (kind === 'hold') await placeHold(tx, m, rule)
      if (kind === 'release') await releaseHold(tx, m)
      if (kind === 'charge') await charge(tx, m)
      if (kind === 'refund') await refund(tx, m)
    }
  })
}

t.test('usage: budget, charged, held, adjusted and remaining of the period; jobs today; active jobs; per key', async t => {
  const bed = await adminBed(t)
  await bed.call('POST', '/admin/v1/teams', { body: teamBody('studio', { budget: { credits: '100', period: 'month', mode: 'soft', overdraft: '5' } }) })
  const team = await bed.gw.db.team.findUniqueOrThrow({ where: { slug: 'studio' } })
  const k1 = await makeKey(bed.gw.db, { teamId: team.id, scopes: ['jobs:write'], name: 'one' })
  const k2 = await makeKey(bed.gw.db, { teamId: team.id, scopes: ['jobs:write'], name: 'two' })
  const idle = await makeKey(bed.gw.db, { teamId: team.id, scopes: ['jobs:write'], name: 'idle-revoked' })
  const gone = await makeKey(bed.gw.db, { teamId: team.id, scopes: ['jobs:write'], name: 'busy-revoked' })
  await bed.gw.db.apiKey.updateMany({ where: { id: { in: [idle.id, gone.id] } }, data: { revokedAt: new Date() } })

  await job(bed.gw.db, team, k1.id, 'processing', [['hold', '10']])
  await job(bed.gw.db, team, k1.id, 'finished', [['hold', '5'], ['release', '5'], ['charge', '4.25']])
  await job(bed.gw.db, team, k2.id, 'queued', [['hold', '2']], new Date(Date.now() - 86_400_000 * 2))
  await job(bed.gw.db, team, gone.id, 'finished', [['charge', '1'], ['refund', '0.5']])
  await job(bed.gw.db, team, k2.id, 'rejected', [])
  t.equal((await bed.call('POST', '/admin/v1/teams/studio/budget/adjustments', {
    key: bed.finance.key, body: { amount: '20', reason: 'quarterly top-up' }
  })).status, 201)

  const res = await bed.call('GET', '/admin/v1/teams/studio/usage', { key: bed.finance.key })
  t.equal(res.status, 200)
  const now = new Date()
  t.same(res.body, {
    team: 'studio',
    period: {
      kind: 'month',
      start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10),
      end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 10)
    },
    budget: { credits: '100.0000', overdraft: '5.0000', mode: 'soft' },
    charged: '4.7500',
    held: '12.0000',
    adjusted: '20.0000',
    remaining: '103.2500',
    jobsToday: 4,
    activeJobs: 2,
    keys: [
      { id: k1.id, prefix: k1.key.slice(0, 16), name: 'one', charged: '4.2500', held: '10.0000', jobsToday: 2, activeJobs: 1 },
      { id: k2.id, prefix: k2.key.slice(0, 16), name: 'two', charged: '0.0000', held: '2.0000', jobsToday: 1, activeJobs: 1 },
      { id: gone.id, prefix: gone.key.slice(0, 16), name: 'busy-revoked', charged: '0.5000', held: '0.0000', jobsToday: 1, activeJobs: 0 }
    ]
  })
  t.equal((await bed.call('GET', '/admin/v1/teams/ghost/usage')).status, 404)
})

t.test('budget adjustments: a signed ledger row with a reason, audited; bad input named, nothing written', async t => {
  const bed = await adminBed(t)
  await bed.call('POST', '/admin/v1/teams', { body: teamBody('studio', { budget: { credits: '50', period: 'day', mode: 'hard' } }) })
  const credit = await bed.call('POST', '/admin/v1/teams/studio/budget/adjustments', {
    key: bed.finance.key, body: { amount: '12.3456', reason: '  goodwill credit  ' }
  })
  t.equal(credit.status, 201)
  t.match(credit.body, {
    id: String,
    team: 'studio',
    amount: '12.3456',
    reason: 'goodwill credit',
    actorKeyId: bed.finance.id,
    periodStart: new Date().toISOString().slice(0, 10),
    adjusted: '12.3456',
    remaining: '62.3456'
  })
  const debit = await bed.call('POST', '/admin/v1/teams/studio/budget/adjustments', { body: { amount: '-2.5', reason: 'correction' } })
  t.match(debit.body, { amount: '-2.5000', adjusted: '9.8456', remaining: '59.8456', actorKeyId: bed.admin.id })

  const ledger = await bed.gw.db.ledgerEntry.findMany({ where: { kind: 'adjust' }, orderBy: { id: 'asc' } })
  t.same(ledger.map(l => [l.amount.toString(), l.reason, l.actorKeyId]), [['12.3456', 'goodwill credit', bed.finance.id], ['-2.5', 'correction', bed.admin.id]])

  const audit = (await bed.auditRows()).filter(a => a.action === 'budget.adjust')
  t.equal(audit.length, 2)
  t.match(audit[0], {
    actorKeyId: bed.finance.id,
    actorName: `finance-bot (${bed.finance.key.slice(0, 16)})`,
    targetType: 'team',
    before: { adjusted: '0.0000', remaining: '50.0000' },
    after: { amount: '12.3456', reason: 'goodwill credit', adjusted: '12.3456', remaining: '62.3456' },
    requestId: credit.headers.get('x-request-id')
  })
  t.match(audit[1], { before: { adjusted: '12.3456' }, after: { adjusted: '9.8456' } })

  for (const [body, fields] of [
    [{ amount: '0.0000', reason: 'nothing' }, ['body.amount']],
    [{ amount: '1.23456', reason: '' }, ['body.amount', 'body.reason']],
    [{ amount: 5, reason: '   ' }, ['body.amount', 'body.reason']],
    [{ amount: '1e3' }, ['body.amount', 'body.reason']]
  ] as const) {
    const res = await bed.call('POST', '/admin/v1/teams/studio/budget/adjustments', { body })
    t.equal(res.status, 400)
    t.same((res.body.details as Array<{ field: string }>).map(d => d.field).sort(), fields)
  }
  t.equal((await bed.call('POST', '/admin/v1/teams/ghost/budget/adjustments', { body: { amount: '1', reason: 'x' } })).status, 404)
  t.equal(await bed.gw.db.ledgerEntry.count(), 2)
  t.equal((await bed.auditRows()).filter(a => a.action === 'budget.adjust').length, 2)
})
