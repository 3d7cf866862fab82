import t from 'tap'
import { eventually } from '../../helpers/async.ts'
import { adminBed, teamBody, type AdminBed, type AdminPage } from '../../helpers/admin-bed.ts'

/** a key as created or rotated: the only answers that carry the secret */
interface NewKey { id: string, key: string, prefix: string, previousSecretExpiresAt: string | null }

async function withTeam (bed: AdminBed, slug = 'acme') {
  return (await bed.call<{ id: string }>('POST', '/admin/v1/teams', { body: teamBody(slug) })).body
}

const newKey = async (bed: AdminBed, body: unknown) =>
  (await bed.call<NewKey>('POST', '/admin/v1/teams/acme/keys', { body })).body

const waitForRefusal = (bed: AdminBed, key: string) =>
  eventually(async () => await bed.gw.app.keys.verify(key) === null)

t.test('a team key: created once with its secret, never shown again, anywhere', async t => {
  const bed = await adminBed(t)
  const team = await withTeam(bed)
  const res = await bed.call<NewKey>('POST', '/admin/v1/teams/acme/keys', {
    body: { name: 'render-farm', scopes: ['jobs:read', 'jobs:write'] }
  })
  t.equal(res.status, 201)
  const created = res.body
  t.match(created, {
    id: String,
    prefix: /^tgw_[a-z2-7]{12}$/,
    key: /^tgw_[a-z2-7]{12}_/,
    name: 'render-farm',
    teamId: team.id,
    teamSlug: 'acme',
    scopes: ['jobs:read', 'jobs:write'],
    status: 'active',
    expiresAt: null,
    revokedAt: null
  })
  t.ok(created.key.startsWith(`${created.prefix}_`))
  const principal = await bed.gw.app.keys.verify(created.key)
  t.match(principal, { keyId: created.id, teamSlug: 'acme', scopes: ['jobs:read', 'jobs:write'] }, 'the key works on the data plane')

  const secret = created.key.slice(created.prefix.length + 1)
  // verify() stamps lastUsedAt after answering: on a busy machine the stamp may land a moment later
  const stamped = async () =>
    (await bed.gw.db.apiKey.findUniqueOrThrow({ where: { id: created.id } })).lastUsedAt !== null
  t.ok(await eventually(stamped, 10_000), 'lastUsedAt stamped')
  const row = await bed.gw.db.apiKey.findUniqueOrThrow({ where: { id: created.id } })
  const reads = [
    await bed.call('GET', `/admin/v1/keys/${created.id}`),
    await bed.call('GET', '/admin/v1/teams/acme/keys'),
    await bed.call('GET', `/admin/v1/keys/${created.id}`, { key: bed.finance.key }),
    await bed.call('GET', '/admin/v1/audit')
  ]
  for (const read of reads) {
    t.equal(read.status, 200)
    t.notMatch(read.text, secret, 'no secret in a read')
    t.notMatch(read.text, row.secretHash, 'no hash in a read')
    t.notMatch(read.text, /"key"\s*:/, 'no key field in a read')
  }
  // verify() above stamped lastUsedAt; everything else is what create answered, minus the secret
  const withoutSecret = Object.fromEntries(Object.entries(created).filter(([name]) => name !== 'key' && name !== 'lastUsedAt'))
  t.match(reads[0]?.body, { ...withoutSecret, lastUsedAt: String })
  t.notOk('key' in (reads[0]?.body ?? {}))
  t.match(reads[1]?.body, { items: [withoutSecret] })

  const audit = await bed.auditRows()
  const text = JSON.stringify(audit.map(a => ({ ...a, id: a.id.toString() })))
  t.notMatch(text, secret)
  t.notMatch(text, row.secretHash)
  t.same(audit.find(a => a.action === 'key.create')?.after, { ...withoutSecret, lastUsedAt: null })
  t.notMatch(bed.gw.logs.join('\n'), secret, 'no secret in the logs')
})

t.test('scopes, names and expiry are validated; duplicates are 409; nothing written on failure', async t => {
  const bed = await adminBed(t)
  await withTeam(bed)
  const platformScope = await bed.call('POST', '/admin/v1/teams/acme/keys', { body: { name: 'x', scopes: ['jobs:read', 'admin'] } })
  t.equal(platformScope.status, 400)
  t.match(platformScope.body.details, [{ field: 'body.scopes.1', message: /platform scope/ }])
  const teamScope = await bed.call('POST', '/admin/v1/keys', { body: { name: 'x', scopes: ['jobs:write'] } })
  t.match(teamScope.body.details, [{ field: 'body.scopes.0', message: /team scope/ }])

  const bad = await bed.call('POST', '/admin/v1/teams/acme/keys', {
    body: { name: '', scopes: [], expiresAt: 'tomorrow', extra: true }
  })
  t.same((bad.body.details as Array<{ field: string }>).map(d => d.field).sort(), ['body.expiresAt', 'body.extra', 'body.name', 'body.scopes'])
  const past = await bed.call('POST', '/admin/v1/teams/acme/keys', {
    body: { name: 'old', scopes: ['jobs:read'], expiresAt: new Date(Date.now() - 60_000).toISOString() }
  })
  t.same(past.body.details, [{ field: 'body.expiresAt', message: 'must be in the future' }])

  const expiresAt = new Date(Date.now() + 3_600_000).toISOString()
  const ok = await bed.call('POST', '/admin/v1/teams/acme/keys', { body: { name: 'ci', scopes: ['jobs:read'], expiresAt } })
  t.equal(ok.body.expiresAt, expiresAt)
  const dup = await bed.call('POST', '/admin/v1/teams/acme/keys', { body: { name: 'ci', scopes: ['jobs:write'] } })
  t.equal(dup.status, 409)
  await withTeam(bed, 'other')
  t.equal((await bed.call('POST', '/admin/v1/teams/other/keys', { body: { name: 'ci', scopes: ['jobs:read'] } })).status, 201,
    'names are unique per team')
  t.equal((await bed.call('POST', '/admin/v1/teams/ghost/keys', { body: { name: 'ci', scopes: ['jobs:read'] } })).status, 404)

  const platform = await bed.call('POST', '/admin/v1/keys', { body: { name: 'auditor', scopes: ['finance'] } })
  t.equal(platform.status, 201)
  t.match(platform.body, { teamId: null, teamSlug: null, scopes: ['finance'] })
  t.equal((await bed.call('POST', '/admin/v1/keys', { body: { name: 'auditor', scopes: ['admin'] } })).status, 409,
    'platform key names are unique too')
  const names = (await bed.call<AdminPage<{ name: string }>>('GET', '/admin/v1/keys')).body.items.map(k => k.name)
  t.same(names, ['root-admin', 'finance-bot', 'auditor'])

  t.same((await bed.auditRows()).map(a => a.action), ['team.create', 'key.create', 'team.create', 'key.create', 'key.create'])
})

t.test('revoke: refused on the data plane within seconds; a second revoke is 409', async t => {
  const bed = await adminBed(t)
  await withTeam(bed)
  const created = await newKey(bed, { name: 'w', scopes: ['jobs:read'] })
  t.ok(await bed.gw.app.keys.verify(created.key), 'cached as valid')

  const res = await bed.call('DELETE', `/admin/v1/keys/${created.id}`)
  t.equal(res.status, 200)
  t.match(res.body, { id: created.id, status: 'revoked', revokedAt: String })
  t.ok(await waitForRefusal(bed, created.key), 'the cached key is dropped by the notification')

  const again = await bed.call('DELETE', `/admin/v1/keys/${created.id}`)
  t.equal(again.status, 409)
  t.equal((await bed.call('GET', `/admin/v1/keys/${created.id}`)).body.revokedAt, res.body.revokedAt, 'first revocation time kept')
  t.equal((await bed.call('DELETE', '/admin/v1/keys/00000000-0000-4000-8000-000000000000')).status, 404)
  t.same((await bed.call('DELETE', '/admin/v1/keys/not-a-uuid')).body.details, [{ field: 'params.id', message: 'must match format "uuid"' }])

  const revokes = (await bed.auditRows()).filter(a => a.action === 'key.revoke')
  t.equal(revokes.length, 1)
  t.match(revokes[0], { targetType: 'key', targetId: created.id, before: { status: 'active', revokedAt: null }, after: { status: 'revoked' } })
})

t.test('rotate: same key, new secret; both work during the grace period, only the new one after', async t => {
  const bed = await adminBed(t)
  await withTeam(bed)
  const created = await newKey(bed, { name: 'w', scopes: ['jobs:read'] })
  const started = Date.now()
  const res = await bed.call<NewKey>('POST', `/admin/v1/keys/${created.id}/rotate`, { body: { graceSeconds: 600 } })
  t.equal(res.status, 200)
  const rotated = res.body
  t.match(rotated, { id: created.id, prefix: created.prefix, status: 'active' })
  t.not(rotated.key, created.key)
  t.ok(rotated.key.startsWith(`${created.prefix}_`), 'the public id is kept')
  const graceEnd = Date.parse(String(rotated.previousSecretExpiresAt))
  t.ok(graceEnd >= started + 599_000 && graceEnd <= Date.now() + 600_000, 'grace ends graceSeconds from now')

  t.ok(await bed.gw.app.keys.verify(rotated.key), 'new secret works')
  t.ok(await bed.gw.app.keys.verify(created.key), 'old secret works during the grace period')

  await bed.gw.db.apiKey.update({ where: { id: created.id }, data: { previousExpiresAt: new Date(Date.now() - 1000) } })
  bed.gw.app.keyCache.invalidate({ publicId: created.prefix.slice(4) })
  t.equal(await bed.gw.app.keys.verify(created.key), null, 'old secret refused after the grace period')
  t.ok(await bed.gw.app.keys.verify(rotated.key), 'new secret still works')

  const defaultGrace = (await bed.call<NewKey>('POST', `/admin/v1/keys/${created.id}/rotate`)).body
  const hours = (Date.parse(String(defaultGrace.previousSecretExpiresAt)) - Date.now()) / 3_600_000
  t.ok(hours > 23.9 && hours <= 24, 'the default grace is 24 h')

  const immediate = (await bed.call<NewKey>('POST', `/admin/v1/keys/${created.id}/rotate`, {
    body: { graceSeconds: 0 }
  })).body
  t.equal(immediate.previousSecretExpiresAt, null)
  t.ok(await waitForRefusal(bed, defaultGrace.key), 'graceSeconds 0 ends the previous secret at once')
  t.ok(await bed.gw.app.keys.verify(immediate.key))

  const audit = (await bed.auditRows()).filter(a => a.action === 'key.rotate')
  t.equal(audit.length, 3)
  const text = JSON.stringify(audit.map(a => ({ ...a, id: a.id.toString() })))
  for (const secret of [rotated.key, defaultGrace.key, immediate.key, created.key]) t.notMatch(text, secret.slice(17))

  t.equal((await bed.call('POST', `/admin/v1/keys/${created.id}/rotate`, { body: { graceSeconds: 99_999_999 } })).status, 400)
  await bed.call('DELETE', `/admin/v1/keys/${created.id}`)
  t.equal((await bed.call('POST', `/admin/v1/keys/${created.id}/rotate`)).status, 409, 'a revoked key cannot be rotated')
  t.equal((await bed.auditRows()).filter(a => a.action === 'key.rotate').length, 3)
  t.notMatch(bed.gw.logs.join('\n'), immediate.key.slice(17))
})
