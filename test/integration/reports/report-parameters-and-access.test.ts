// The reports' requests: defaults, bad parameters (400 in the gateway envelope, every field named), an unknown
// team (404), and who may read them (admin and finance; a team key is refused).
import t from 'tap'
import { adminBed } from '../../helpers/admin-bed.ts'

t.test('report requests', async t => {
  const bed = await adminBed(t)
  const now = new Date()
  const firstOfMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10)
  const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1))
    .toISOString().slice(0, 10)

  await t.test('defaults: this month so far, by team; an empty ledger answers zeros', async t => {
    const res = await bed.call('GET', '/admin/v1/reports/spend', { key: bed.finance.key })
    t.equal(res.status, 200)
    t.same(res.body, {
      from: firstOfMonth,
      to: tomorrow,
      groupBy: ['team'],
      rows: [],
      totals: { charged: '0.0000', refunded: '0.0000', net: '0.0000', jobsCreated: 0, jobsFinished: 0, jobsFailed: 0, jobsCancelled: 0 }
    })
    const csv = await bed.call('GET', '/admin/v1/reports/spend?group_by=day,key&format=csv')
    t.equal(csv.text, 'day,keyId,keyName,keyPrefix,charged,refunded,net,jobsCreated,jobsFinished,jobsFailed,jobsCancelled\r\n', 'a header line only')
    const budgets = await bed.call('GET', '/admin/v1/reports/budgets')
    t.equal(budgets.body.at, now.toISOString().slice(0, 10))
    t.match(budgets.body.teams, [{ team: 'jobs-team', charged: '0.0000', percentUsed: '0.00', burnPerDay: '0.0000', exhaustsOn: null }])
    const recon = await bed.call('GET', '/admin/v1/reports/reconciliation')
    const { account, ...jobs } = recon.body as Record<string, unknown> & { account: Record<string, unknown> }
    t.same(jobs, { from: firstOfMonth, to: tomorrow, teams: [], totals: { ledgerNet: '0.0000', upstreamCost: '0.0000', drift: '0.0000' }, driftJobs: 0 })
    t.match(account, { latest: null, checks: 0, interval: null, outsideJobs: [], semantics: { failed: { value: 'refunded', source: 'assumed' } } },
      'no account check yet; the beliefs are the assumed ones')
  })

  await t.test('bad parameters: 400 in the gateway envelope, naming the field', async t => {
    const cases: Array<[string, string[]]> = [
      ['/reports/spend?from=2026-02-30', ['querystring.from']],
      ['/reports/spend?from=2026-1-1&to=yesterday', ['querystring.from', 'querystring.to']],
      ['/reports/spend?from=2026-03-02&to=2026-03-01', ['querystring.to']],
      ['/reports/spend?from=2026-03-01&to=2026-03-01', ['querystring.to']],
      ['/reports/spend?from=2000-01-01&to=2026-01-01', ['querystring.to']],
      ['/reports/spend?group_by=colour', ['querystring.group_by']],
      ['/reports/spend?group_by=day,day', ['querystring.group_by']],
      ['/reports/spend?group_by=day,team,key', ['querystring.group_by']],
      ['/reports/spend?group_by=day;drop', ['querystring.group_by']],
      ['/reports/spend?format=xml', ['querystring.format']],
      ['/reports/spend?team=Not_A_Slug', ['querystring.team']],
      ['/reports/spend?colour=red', ['querystring.colour']],
      ['/reports/budgets?at=2026-13-01', ['querystring.at']],
      ['/reports/reconciliation?to=2020-01-01', ['querystring.to']]
    ]
    for (const [url, fields] of cases) {
      const res = await bed.call<{ error: string, requestId: string, details: Array<{ field: string }> }>(
        'GET', `/admin/v1${url}`)
      t.equal(res.status, 400, url)
      const body = res.body
      t.equal(body.error, 'bad_request')
      t.ok(body.requestId, 'with a request id')
      t.same(body.details.map((d: { field: string }) => d.field), fields, `${url}: ${JSON.stringify(body.details)}`)
    }
  })

  await t.test('an unknown team is a 404; only admin and finance keys read reports', async t => {
    const missing = await bed.call('GET', '/admin/v1/reports/spend?team=ghost')
    t.equal(missing.status, 404)
    t.equal(missing.body.error, 'not_found')
    for (const path of ['/reports/spend', '/reports/budgets', '/reports/reconciliation']) {
      t.equal((await bed.call('GET', `/admin/v1${path}`, { key: bed.jobs.key })).status, 403, `${path}: a team key is refused`)
      t.equal((await bed.call('GET', `/admin/v1${path}`, { key: null })).status, 401, `${path}: no key`)
      t.equal((await bed.call('GET', `/admin/v1${path}`, { key: bed.admin.key })).status, 200, `${path}: admin`)
    }
  })
})
