import t from 'tap'
import { makeKey } from '../../helpers/factories.ts'
import { eventually } from '../../helpers/async.ts'
import { adminBed, teamBody, type AdminPage } from '../../helpers/admin-bed.ts'

type Teams = AdminPage<{ slug: string }>

t.test('create: 201 with defaults, one audit row, slug usable in paths', async t => {
  const bed = await adminBed(t)
  const res = await bed.call('POST', '/admin/v1/teams', {
    body: teamBody('video-ops', {
      limits: { requestsPerMinute: 120, maxJobsPerDay: 500 },
      optionPolicy: { allowedModels: [1, 2], maxOutputResolution: 1920, allowedCodecs: ['libx264'] },
      urlPolicy: { allowedHosts: ['.s3.amazonaws.com', 'cdn.example.com'] },
      retentionDays: 30
    })
  })
  t.equal(res.status, 201)
  const team = res.body
  t.match(team, {
    id: String,
    slug: 'video-ops',
    name: 'Team video-ops',
    disabled: false,
    budget: { credits: '100.5000', period: 'month', mode: 'hard', overdraft: '0.0000', alertThresholds: [50, 80, 100], maxJobCost: null },
    limits: { requestsPerMinute: 120, keyRequestsPerMinute: null, maxConcurrentJobs: null, maxJobsPerDay: 500 },
    optionPolicy: { allowedModels: [1, 2], maxOutputResolution: 1920, allowedCodecs: ['libx264'] },
    urlPolicy: { allowedHosts: ['.s3.amazonaws.com', 'cdn.example.com'] },
    retentionDays: 30
  })
  const stored = await bed.gw.db.team.findUniqueOrThrow({ where: { slug: 'video-ops' } })
  t.equal(stored.budgetCredits.toString(), '100.5', 'money stored as a decimal')

  const audit = await bed.auditRows()
  t.equal(audit.length, 1)
  t.match(audit[0], {
    actorKeyId: bed.admin.id,
    actorName: `root-admin (${bed.admin.key.slice(0, 16)})`,
    action: 'team.create',
    targetType: 'team',
    targetId: team.id,
    before: null,
    requestId: res.headers.get('x-request-id')
  })
  t.same(audit[0]?.after, team, 'after is the team as answered')

  const got = await bed.call('GET', '/admin/v1/teams/video-ops')
  t.same(got.body, team)
})

t.test('create: duplicate slug is 409 and writes no audit row', async t => {
  const bed = await adminBed(t)
  t.equal((await bed.call('POST', '/admin/v1/teams', { body: teamBody('dup') })).status, 201)
  const again = await bed.call('POST', '/admin/v1/teams', { body: teamBody('dup') })
  t.equal(again.status, 409)
  t.match(again.body, { error: 'conflict', message: /dup/, requestId: String })
  t.equal((await bed.auditRows()).length, 1)
})

t.test('create: every offending field is named; nothing is written', async t => {
  const bed = await adminBed(t)
  const res = await bed.call('POST', '/admin/v1/teams', {
    body: {
      slug: 'Bad Slug',
      name: '',
      budget: { credits: '-5', period: 'year', alertThresholds: [50, 150], maxJobCost: 1.5 },
      limits: { requestsPerMinute: 0 },
      optionPolicy: { allowedModel: [1], maxOutputResolution: 1000 },
      urlPolicy: { httpsOnly: 'yes' },
      retentionDays: -1,
      colour: 'red'
    }
  })
  t.equal(res.status, 400)
  const fields = (res.body.details as Array<{ field: string }>).map(d => d.field).sort()
  t.same(fields, [
    'body.budget.alertThresholds.1',
    'body.budget.credits',
    'body.budget.maxJobCost',
    'body.budget.mode',
    'body.budget.period',
    'body.colour',
    'body.limits.requestsPerMinute',
    'body.name',
    'body.optionPolicy.allowedModel',
    'body.optionPolicy.maxOutputResolution',
    'body.retentionDays',
    'body.slug',
    'body.urlPolicy.httpsOnly'
  ])
  t.equal(await bed.gw.db.team.count(), 1, 'only the fixture team')
  t.equal((await bed.auditRows()).length, 0)
})

t.test('create and update: model ids are checked against TensorPix', async t => {
  const bed = await adminBed(t)
  const unknown = await bed.call('POST', '/admin/v1/teams', { body: teamBody('m', { optionPolicy: { allowedModels: [1, 77, 2, 78] } }) })
  t.equal(unknown.status, 400)
  t.same(unknown.body.details, [
    { field: 'body.optionPolicy.allowedModels.1', message: 'unknown TensorPix ML model id 77' },
    { field: 'body.optionPolicy.allowedModels.3', message: 'unknown TensorPix ML model id 78' }
  ])
  t.equal((await bed.call('POST', '/admin/v1/teams', { body: teamBody('m', { optionPolicy: { allowedModels: [4] } }) })).status, 201)
  const patched = await bed.call('PATCH', '/admin/v1/teams/m', { body: { optionPolicy: { allowedModels: [3, 99] } } })
  t.equal(patched.status, 400)
  t.same(patched.body.details, [{ field: 'body.optionPolicy.allowedModels.1', message: 'unknown TensorPix ML model id 99' }])
  t.same((await bed.call('GET', '/admin/v1/teams/m')).body.optionPolicy, { allowedModels: [4] }, 'unchanged')
})

t.test('model ids cannot be checked while TensorPix is down: 503, nothing written', async t => {
  const bed = await adminBed(t)
  await bed.upstream.close()
  const res = await bed.call('POST', '/admin/v1/teams', { body: teamBody('offline', { optionPolicy: { allowedModels: [1] } }) })
  t.equal(res.status, 503)
  t.match(res.body, { error: 'upstream_unavailable', requestId: String })
  const withoutModels = await bed.call('POST', '/admin/v1/teams', { body: teamBody('offline', { optionPolicy: { allowComparison: false } }) })
  t.equal(withoutModels.status, 201, 'a policy without model ids does not need TensorPix')
  t.equal((await bed.auditRows()).length, 1)
})

t.test('update: merges budget and limits, replaces policies, validates the whole team, audits before/after', async t => {
  const bed = await adminBed(t)
  const created = (await bed.call('POST', '/admin/v1/teams', {
    body: teamBody('acme', { limits: { requestsPerMinute: 100 }, urlPolicy: { httpsOnly: false, allowedHosts: ['a.example'] } })
  })).body

  const res = await bed.call('PATCH', '/admin/v1/teams/acme', {
    body: { name: 'ACME', budget: { credits: '250.1234', alertThresholds: [90, 25] }, limits: { maxConcurrentJobs: 3 }, urlPolicy: { minPresignedValiditySeconds: 600 } }
  })
  t.equal(res.status, 200)
  const team = res.body
  t.match(team, {
    name: 'ACME',
    budget: { credits: '250.1234', period: 'month', mode: 'hard', alertThresholds: [25, 90] },
    limits: { requestsPerMinute: 100, maxConcurrentJobs: 3 },
    urlPolicy: { minPresignedValiditySeconds: 600 }
  })
  t.same(team.urlPolicy, { minPresignedValiditySeconds: 600 }, 'a policy document is replaced whole')
  const audit = (await bed.auditRows()).filter(r => r.action === 'team.update')
  t.equal(audit.length, 1)
  t.same(audit[0]?.before, created)
  t.same(audit[0]?.after, team)

  const whole = await bed.call('PATCH', '/admin/v1/teams/acme', { body: { limits: { keyRequestsPerMinute: 500 } } })
  t.equal(whole.status, 400, 'a key limit above the (unchanged) team limit')
  t.same(whole.body.details, [{ field: 'body.limits.keyRequestsPerMinute', message: 'must not exceed limits.requestsPerMinute (100)' }])

  const bad = await bed.call('PATCH', '/admin/v1/teams/acme', {
    body: { budget: { credits: '-1', overdraft: '1.23456', bogus: true }, limits: { burst: 1 }, optionPolicy: { maxSegmentFrames: 0 } }
  })
  t.equal(bad.status, 400)
  t.same((bad.body.details as Array<{ field: string }>).map(d => d.field).sort(),
    ['body.budget.bogus', 'body.budget.credits', 'body.budget.overdraft', 'body.limits.burst', 'body.optionPolicy.maxSegmentFrames'])

  t.equal((await bed.call('PATCH', '/admin/v1/teams/acme', { body: {} })).status, 400, 'an empty update')
  t.equal((await bed.call('PATCH', '/admin/v1/teams/acme', { body: { slug: 'other' } })).status, 400, 'the slug is fixed')
  t.equal((await bed.call('PATCH', '/admin/v1/teams/nobody', { body: { name: 'x' } })).status, 404)
  t.equal((await bed.auditRows()).filter(r => r.action === 'team.update').length, 1, 'failed updates write no audit row')

  const cleared = await bed.call<{ limits: { requestsPerMinute: number | null } }>('PATCH', '/admin/v1/teams/acme', {
    body: { limits: { requestsPerMinute: null }, retentionDays: null }
  })
  t.equal(cleared.body.limits.requestsPerMinute, null, 'null lifts a limit')
})

t.test('list: paginated by cursor or offset, filtered by name and disabled', async t => {
  const bed = await adminBed(t)
  for (const slug of ['a-red', 'b-blue', 'c-red', 'd-green']) {
    await bed.call('POST', '/admin/v1/teams', { body: teamBody(slug, { name: `${slug.slice(2)} squad` }) })
  }
  await bed.call('POST', '/admin/v1/teams/c-red/disable')

  const first = (await bed.call<Teams>('GET', '/admin/v1/teams?limit=2')).body
  t.same(first.items.map((x: { slug: string }) => x.slug), ['a-red', 'b-blue'])
  const second = (await bed.call<Teams>('GET', `/admin/v1/teams?limit=2&cursor=${first.nextCursor}`)).body
  t.same(second.items.map((x: { slug: string }) => x.slug), ['c-red', 'd-green'])
  const third = (await bed.call<Teams>('GET', `/admin/v1/teams?limit=2&cursor=${second.nextCursor}`)).body
  t.same(third, { items: [{ ...third.items[0] }], nextCursor: null }, 'the fixture team last')

  const offset = (await bed.call<Teams>('GET', '/admin/v1/teams?limit=1&offset=2')).body
  t.equal(offset.items[0]?.slug, 'c-red')
  const red = (await bed.call<Teams>('GET', '/admin/v1/teams?name=RED')).body
  t.same(red.items.map((x: { slug: string }) => x.slug), ['a-red', 'c-red'])
  const off = (await bed.call<Teams>('GET', '/admin/v1/teams?disabled=true')).body
  t.same(off.items.map((x: { slug: string }) => x.slug), ['c-red'])

  const both = await bed.call('GET', `/admin/v1/teams?offset=1&cursor=${first.nextCursor}`)
  t.equal(both.status, 400)
  t.equal((await bed.call('GET', '/admin/v1/teams?cursor=garbage')).status, 400)
  const badLimit = await bed.call('GET', '/admin/v1/teams?limit=0&disabled=maybe')
  t.same((badLimit.body.details as Array<{ field: string }>).map(d => d.field).sort(), ['querystring.disabled', 'querystring.limit'])
})

t.test('disable and enable: keys of a disabled team are refused at once; each call audited', async t => {
  const bed = await adminBed(t)
  const team = (await bed.call<{ id: string }>('POST', '/admin/v1/teams', { body: teamBody('ops') })).body
  const key = await makeKey(bed.gw.db, { teamId: team.id, scopes: ['jobs:read'] })
  t.ok(await bed.gw.app.keys.verify(key.key), 'works (and is now cached)')

  const off = await bed.call('POST', '/admin/v1/teams/ops/disable')
  t.equal(off.status, 200)
  t.equal(off.body.disabled, true)
  const refused = eventually(async () => (await bed.gw.app.keys.verify(key.key)) === null)
  await t.resolveMatch(refused, true, 'refused after disable')
  t.equal((await bed.call('POST', '/admin/v1/teams/ops/disable')).body.disabled, true, 'idempotent')

  const on = await bed.call('POST', '/admin/v1/teams/ops/enable')
  t.equal(on.body.disabled, false)
  // the key cache remembers refusals for a few seconds whatever the notification says; skip that wait here
  bed.gw.app.keyCache.invalidate({ all: true })
  t.ok(await bed.gw.app.keys.verify(key.key), 'accepted again')

  const actions = (await bed.auditRows()).map(r => [
    r.action, (r.before as { disabled: boolean } | null)?.disabled, (r.after as { disabled: boolean }).disabled
  ])
  t.same(actions, [['team.create', undefined, false], ['team.disable', false, true], ['team.disable', true, true], ['team.enable', true, false]])
  t.equal((await bed.call('POST', '/admin/v1/teams/ghost/disable')).status, 404)
  t.equal((await bed.call('GET', '/admin/v1/teams/ghost')).status, 404)
})
