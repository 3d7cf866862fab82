// /admin/v1/teams/{slug}/webhooks: the secret is shown once; writes are audited without it; URLs are validated at
// registration; another team's endpoint is a 404.
import t from 'tap'
import { adminBed, teamBody, type AdminBed } from '../../helpers/admin-bed.ts'

async function team (bed: AdminBed, slug: string) {
  t.equal((await bed.call('POST', '/admin/v1/teams', { body: teamBody(slug) })).status, 201)
}

t.test('create, read, update, delete, audited, the secret shown once', async t => {
  const bed = await adminBed(t)
  await team(bed, 'acme')
  const res = await bed.call<{ id: string, secret: string }>('POST', '/admin/v1/teams/acme/webhooks', {
    body: { url: 'https://hooks.example.com/tpx', events: ['job.finished', 'budget.threshold'], description: 'ops pager' }
  })
  t.equal(res.status, 201)
  const created = res.body
  t.match(created, {
    id: String,
    teamSlug: 'acme',
    url: 'https://hooks.example.com/tpx',
    events: ['job.finished', 'budget.threshold'],
    description: 'ops pager',
    disabled: false,
    secret: /^whsec_[A-Za-z0-9_-]{43}$/
  })
  const path = `/admin/v1/teams/acme/webhooks/${created.id}`

  const reads = [await bed.call('GET', path), await bed.call('GET', '/admin/v1/teams/acme/webhooks', { key: bed.finance.key }), await bed.call('GET', '/admin/v1/audit')]
  for (const read of reads) {
    t.equal(read.status, 200)
    t.notMatch(read.text, created.secret, 'the secret is never shown again')
    t.notMatch(read.text, /"secret"/)
  }
  const { secret, ...view } = created
  t.same(reads[0]?.body, view)
  t.same(reads[1]?.body, { items: [view] })

  const patched = await bed.call('PATCH', path, { body: { events: [], disabled: true } })
  t.equal(patched.status, 200)
  t.match(patched.body, { events: [], disabled: true, url: 'https://hooks.example.com/tpx' })
  const row = await bed.gw.db.webhookEndpoint.findUniqueOrThrow({ where: { id: created.id } })
  t.equal(row.secret, secret, 'the stored secret signs deliveries')

  t.equal((await bed.call('DELETE', path)).status, 200)
  t.equal((await bed.call('GET', path)).status, 404)
  t.equal((await bed.call('DELETE', path)).status, 404)

  const audit = await bed.auditRows()
  t.same(audit.filter(a => a.targetType === 'webhook').map(a => a.action), ['webhook.create', 'webhook.update', 'webhook.delete'])
  t.notMatch(JSON.stringify(audit.map(a => ({ ...a, id: a.id.toString() }))), secret, 'the audit log holds no secret')
  t.match(audit.find(a => a.action === 'webhook.update'), { before: { disabled: false }, after: { disabled: true } })
})

t.test('URLs are validated at registration and on update', async t => {
  const bed = await adminBed(t)
  await team(bed, 'acme')
  const refused = {
    'http://hooks.example.com/tpx': /must use https/,
    'http://127.0.0.1:8080/tpx': /must use https/,
    'https://127.0.0.1/tpx': /loopback/,
    'https://localhost/tpx': /loopback/,
    'https://10.1.2.3/tpx': /private/,
    'https://[fd00::1]/tpx': /unique-local/,
    'https://169.254.169.254/latest/meta-data/': /link-local/,
    'https://[::ffff:127.0.0.1]/': /loopback/,
    'https://user:pw@hooks.example.com/': /credentials/,
    'not a url': /is not a URL/
  }
  for (const [url, reason] of Object.entries(refused)) {
    const res = await bed.call('POST', '/admin/v1/teams/acme/webhooks', { body: { url } })
    t.equal(res.status, 400, url)
    t.match(res.body, { error: 'bad_request', details: [{ field: 'body.url', message: reason }] }, url)
  }
  const unknownEvent = await bed.call('POST', '/admin/v1/teams/acme/webhooks', { body: { url: 'https://hooks.example.com/', events: ['job.exploded'] } })
  t.equal(unknownEvent.status, 400)
  t.match(unknownEvent.body, { details: [{ field: /^body\.events/ }] })
  t.equal(await bed.gw.db.webhookEndpoint.count(), 0, 'nothing stored')

  const ok = (await bed.call('POST', '/admin/v1/teams/acme/webhooks', { body: { url: 'https://hooks.example.com/' } })).body
  const moved = await bed.call('PATCH', `/admin/v1/teams/acme/webhooks/${ok.id}`, { body: { url: 'https://10.0.0.1/' } })
  t.equal(moved.status, 400)
  t.equal((await bed.call('PATCH', `/admin/v1/teams/acme/webhooks/${ok.id}`, { body: {} })).status, 400, 'an empty patch')
})

t.test("another team's endpoint is as absent as a missing one", async t => {
  const bed = await adminBed(t)
  await team(bed, 'acme')
  await team(bed, 'other')
  const created = (await bed.call('POST', '/admin/v1/teams/acme/webhooks', { body: { url: 'https://hooks.example.com/' } })).body
  for (const [method, suffix] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['GET', '/deliveries']] as const) {
    const res = await bed.call(method, `/admin/v1/teams/other/webhooks/${created.id}${suffix}`, method === 'PATCH' ? { body: { disabled: true } } : {})
    t.equal(res.status, 404, `${method} ${suffix}`)
  }
  t.equal((await bed.call('GET', '/admin/v1/teams/nobody/webhooks')).status, 404)
  t.same((await bed.call('GET', '/admin/v1/teams/other/webhooks')).body, { items: [] })
})
