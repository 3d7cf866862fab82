import t from 'tap'
import { adminBed, teamBody } from './fixture.ts'

t.test('audit: newest first, filtered by actor, target, action and time, paginated', async t => {
  const bed = await adminBed(t)
  const team = (await bed.call('POST', '/admin/v1/teams', { body: teamBody('acme') })).json()
  const key = (await bed.call('POST', '/admin/v1/teams/acme/keys', { body: { name: 'w', scopes: ['jobs:read'] } })).json()
  await bed.call('PATCH', '/admin/v1/teams/acme', { body: { name: 'Acme' } })
  const middle = new Date()
  await bed.call('POST', '/admin/v1/teams/acme/budget/adjustments', { key: bed.finance.key, body: { amount: '5', reason: 'r' } })
  await bed.call('DELETE', `/admin/v1/keys/${key.id}`)

  const all = (await bed.call('GET', '/admin/v1/audit', { key: bed.finance.key })).json()
  t.same(all.items.map((e: { action: string }) => e.action), ['key.revoke', 'budget.adjust', 'team.update', 'key.create', 'team.create'])
  t.equal(all.nextCursor, null)

  const byFinance = (await bed.call('GET', `/admin/v1/audit?actorKeyId=${bed.finance.id}`)).json()
  t.same(byFinance.items.map((e: { action: string }) => e.action), ['budget.adjust'])
  const onTeam = (await bed.call('GET', `/admin/v1/audit?targetType=team&targetId=${team.id}`)).json()
  t.same(onTeam.items.map((e: { action: string }) => e.action), ['budget.adjust', 'team.update', 'team.create'])
  const onKey = (await bed.call('GET', '/admin/v1/audit?targetType=key&action=key.revoke')).json()
  t.match(onKey.items, [{ targetId: key.id, actorKeyId: bed.admin.id, before: { status: 'active' }, after: { status: 'revoked' } }])
  const since = (await bed.call('GET', `/admin/v1/audit?from=${middle.toISOString()}`)).json()
  t.same(since.items.map((e: { action: string }) => e.action), ['key.revoke', 'budget.adjust'])
  const until = (await bed.call('GET', `/admin/v1/audit?to=${middle.toISOString()}`)).json()
  t.same(until.items.map((e: { action: string }) => e.action), ['team.update', 'key.create', 'team.create'])

  const page1 = (await bed.call('GET', '/admin/v1/audit?limit=2')).json()
  const page2 = (await bed.call('GET', `/admin/v1/audit?limit=2&cursor=${page1.nextCursor}`)).json()
  const page3 = (await bed.call('GET', `/admin/v1/audit?limit=2&cursor=${page2.nextCursor}`)).json()
  t.same([...page1.items, ...page2.items, ...page3.items].map((e: { id: string }) => e.id), all.items.map((e: { id: string }) => e.id))
  t.equal(page3.nextCursor, null)
  t.same((await bed.call('GET', '/admin/v1/audit?limit=2&offset=4')).json().items.map((e: { action: string }) => e.action), ['team.create'])

  const bad = await bed.call('GET', '/admin/v1/audit?actorKeyId=nope&from=yesterday&limit=1000')
  t.same((bad.json().details as Array<{ field: string }>).map(d => d.field).sort(), ['querystring.actorKeyId', 'querystring.from', 'querystring.limit'])
  t.equal((await bed.call('GET', '/admin/v1/audit?cursor=WyJ4Il0')).statusCode, 400, 'a cursor that is not an audit id')
})

t.test('the audit log has no write route', async t => {
  const bed = await adminBed(t)
  await bed.call('POST', '/admin/v1/teams', { body: teamBody('acme') })
  const id = (await bed.auditRows())[0]?.id.toString()
  for (const method of ['POST', 'PATCH', 'DELETE'] as const) {
    t.equal((await bed.call(method, `/admin/v1/audit${method === 'POST' ? '' : `/${id}`}`, { body: {} })).statusCode, 404)
  }
  t.equal((await bed.auditRows()).length, 1)
})
