import t from 'tap'
import { adminBed, teamBody, type AdminPage } from '../../helpers/admin-bed.ts'

type Events = AdminPage<{ id: string, action: string }>

t.test('audit: newest first, filtered by actor, target, action and time, paginated', async t => {
  const bed = await adminBed(t)
  const team = (await bed.call<{ id: string }>('POST', '/admin/v1/teams', { body: teamBody('acme') })).body
  const key = (await bed.call<{ id: string }>('POST', '/admin/v1/teams/acme/keys', {
    body: { name: 'w', scopes: ['jobs:read'] }
  })).body
  await bed.call('PATCH', '/admin/v1/teams/acme', { body: { name: 'Acme' } })
  const middle = new Date()
  await bed.call('POST', '/admin/v1/teams/acme/budget/adjustments', { key: bed.finance.key, body: { amount: '5', reason: 'r' } })
  await bed.call('DELETE', `/admin/v1/keys/${key.id}`)

  const all = (await bed.call<Events>('GET', '/admin/v1/audit', { key: bed.finance.key })).body
  t.same(all.items.map((e: { action: string }) => e.action), ['key.revoke', 'budget.adjust', 'team.update', 'key.create', 'team.create'])
  t.equal(all.nextCursor, null)

  const byFinance = (await bed.call<Events>('GET', `/admin/v1/audit?actorKeyId=${bed.finance.id}`)).body
  t.same(byFinance.items.map((e: { action: string }) => e.action), ['budget.adjust'])
  const onTeam = (await bed.call<Events>('GET', `/admin/v1/audit?targetType=team&targetId=${team.id}`)).body
  t.same(onTeam.items.map((e: { action: string }) => e.action), ['budget.adjust', 'team.update', 'team.create'])
  const onKey = (await bed.call<Events>('GET', '/admin/v1/audit?targetType=key&action=key.revoke')).body
  t.match(onKey.items, [{ targetId: key.id, actorKeyId: bed.admin.id, before: { status: 'active' }, after: { status: 'revoked' } }])
  const since = (await bed.call<Events>('GET', `/admin/v1/audit?from=${middle.toISOString()}`)).body
  t.same(since.items.map((e: { action: string }) => e.action), ['key.revoke', 'budget.adjust'])
  const until = (await bed.call<Events>('GET', `/admin/v1/audit?to=${middle.toISOString()}`)).body
  t.same(until.items.map((e: { action: string }) => e.action), ['team.update', 'key.create', 'team.create'])

  const page1 = (await bed.call<Events>('GET', '/admin/v1/audit?limit=2')).body
  const page2 = (await bed.call<Events>('GET', `/admin/v1/audit?limit=2&cursor=${page1.nextCursor}`)).body
  const page3 = (await bed.call<Events>('GET', `/admin/v1/audit?limit=2&cursor=${page2.nextCursor}`)).body
  t.same(
    [...page1.items, ...page2.items, ...page3.items].map((e: { id: string }) => e.id),
    all.items.map((e: { id: string }) => e.id)
  )
  t.equal(page3.nextCursor, null)
  const last = (await bed.call<Events>('GET', '/admin/v1/audit?limit=2&offset=4')).body
  t.same(last.items.map((e: { action: string }) => e.action), ['team.create'])

  const bad = await bed.call('GET', '/admin/v1/audit?actorKeyId=nope&from=yesterday&limit=1000')
  t.same((bad.body.details as Array<{ field: string }>).map(d => d.field).sort(), ['querystring.actorKeyId', 'querystring.from', 'querystring.limit'])
  t.equal((await bed.call('GET', '/admin/v1/audit?cursor=WyJ4Il0')).status, 400, 'a cursor that is not an audit id')
})

t.test('the audit log has no write route', async t => {
  const bed = await adminBed(t)
  await bed.call('POST', '/admin/v1/teams', { body: teamBody('acme') })
  const id = (await bed.auditRows())[0]?.id.toString()
  for (const method of ['POST', 'PATCH', 'DELETE'] as const) {
    t.equal((await bed.call(method, `/admin/v1/audit${method === 'POST' ? '' : `/${id}`}`, { body: {} })).status, 404)
  }
  t.equal((await bed.auditRows()).length, 1)
})
