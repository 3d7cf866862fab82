// The admin commands end to end: `tpx-gateway …` against a gateway listening on a real port.
import t from 'tap'
import { eventually } from '../helpers/async.ts'
import { buildTestGateway, listen, TEST_MASTER_TOKEN, type TestGateway } from '../helpers/gateway.ts'
import { makeKey } from '../helpers/factories.ts'
import { startModelsUpstream } from '../helpers/ml-models-upstream.ts'
import { cli, freePort } from '../helpers/processes.ts'

t.test('admin CLI', async t => {
  const upstream = await startModelsUpstream(TEST_MASTER_TOKEN)
  t.teardown(upstream.close)
  const gw: TestGateway = await buildTestGateway(t, {
    upstream: { baseUrl: upstream.baseUrl, token: TEST_MASTER_TOKEN, simulated: true }
  })
  const url = await listen(gw)
  const admin = await makeKey(gw.db, { scopes: ['admin'], name: 'cli-admin' })
  const env = { TPX_GATEWAY_URL: url, TPX_GATEWAY_KEY: admin.key }
  const run = (...args: string[]) => cli(args, env)

  await t.test('teams create, list, get, update, disable, enable', async t => {
    const created = await run('teams', 'create', 'acme', '--name', 'Acme', '--credits', '100.25', '--alert-thresholds', '80,50', '--json')
    t.equal(created.code, 0, created.stderr)
    t.match(JSON.parse(created.stdout), { slug: 'acme', budget: { credits: '100.2500', period: 'month', mode: 'hard', alertThresholds: [50, 80] } })

    const list = await run('teams', 'list')
    t.equal(list.code, 0)
    t.match(list.stdout, /^SLUG\s+NAME\s+STATUS\s+BUDGET\s+PERIOD\s+MODE\nacme\s+Acme\s+enabled\s+100\.2500\s+month\s+hard\n$/)

    const updated = await run('teams', 'update', 'acme', '--rpm', '60', '--option-policy', '{"allowedModels":[1,2]}', '--max-job-cost', '2.5', '--json')
    t.equal(updated.code, 0, updated.stderr)
    t.match(JSON.parse(updated.stdout), { limits: { requestsPerMinute: 60 }, optionPolicy: { allowedModels: [1, 2] }, budget: { maxJobCost: '2.5000' } })

    const get = await run('teams', 'get', 'acme')
    t.match(get.stdout, /^slug:\s+acme$/m)
    t.match(get.stdout, /^budget:\s+100\.2500 per month \(hard\)$/m)

    const disabled = await run('teams', 'disable', 'acme', '--json')
    t.equal(JSON.parse(disabled.stdout).disabled, true)
    t.equal(JSON.parse((await run('teams', 'enable', 'acme', '--json')).stdout).disabled, false)
  })

  await t.test('errors: one line, the envelope message, non-zero exit', async t => {
    const missing = await run('teams', 'get', 'ghost')
    t.equal(missing.code, 1)
    t.equal(missing.stderr, 'tpx-gateway: Team ghost not found (HTTP 404 not_found)\n')
    t.equal(missing.stdout, '')

    const invalid = await run('teams', 'create', 'Bad_Slug', '--name', 'x', '--credits', 'lots')
    t.equal(invalid.code, 1)
    t.match(invalid.stderr, /^tpx-gateway: The request is invalid: .*body\.slug .*body\.budget\.credits .*\(HTTP 400 bad_request\)\n$/)

    const unknownModel = await run('teams', 'update', 'acme', '--option-policy', '{"allowedModels":[42]}')
    t.match(unknownModel.stderr, 'body.optionPolicy.allowedModels.0 unknown TensorPix ML model id 42')

    const noKey = await cli(['teams', 'list'], { TPX_GATEWAY_URL: url })
    t.equal(noKey.code, 2)
    t.match(noKey.stderr, 'no admin key')

    const team = await gw.db.team.findUniqueOrThrow({ where: { slug: 'acme' } })
    const jobs = await makeKey(gw.db, { teamId: team.id, scopes: ['jobs:read'] })
    const forbidden = await cli(['teams', 'list', '--key', jobs.key], { TPX_GATEWAY_URL: url })
    t.equal(forbidden.code, 1)
    t.match(forbidden.stderr, /needs a key with scope admin or finance \(HTTP 403 forbidden\)/)

    const closed = await freePort()
    const offline = await cli(['usage', 'acme', '--url', `http://127.0.0.1:${closed}`], env)
    t.equal(offline.code, 1)
    t.equal(offline.stderr, `tpx-gateway: cannot reach the gateway at http://127.0.0.1:${closed}: ECONNREFUSED\n`)
  })

  await t.test('a key created through the CLI works; rotated, both secrets work during grace; revoked, refused', async t => {
    const created = await run('keys', 'create', '--team', 'acme', '--name', 'render', '--scopes', 'jobs:read,jobs:write')
    t.equal(created.code, 0, created.stderr)
    const key = created.stdout.split('\n')[0] ?? ''
    t.match(key, /^tgw_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/, 'the secret alone on the first line')
    t.match(created.stderr, 'not shown again')
    const principal = await gw.app.keys.verify(key)
    t.match(principal, { teamSlug: 'acme', scopes: ['jobs:read', 'jobs:write'] })
    const id = principal?.keyId ?? ''

    const list = await run('keys', 'list', '--team', 'acme')
    t.match(list.stdout, new RegExp(`${id}\\s+${key.slice(0, 16)}\\s+render\\s+acme\\s+jobs:read,jobs:write\\s+active`))
    t.notMatch(list.stdout, key.slice(17), 'no secret in the list')

    const rotated = await run('keys', 'rotate', id, '--grace', '60', '--json')
    t.equal(rotated.code, 0, rotated.stderr)
    const next = JSON.parse(rotated.stdout).key as string
    t.not(next, key)
    t.ok(await gw.app.keys.verify(key), 'old secret works during the grace period')
    t.ok(await gw.app.keys.verify(next), 'new secret works')
    await gw.db.apiKey.update({ where: { id }, data: { previousExpiresAt: new Date(Date.now() - 1000) } })
    gw.app.keyCache.invalidate({ publicId: key.slice(4, 16) })
    t.equal(await gw.app.keys.verify(key), null, 'old secret refused after the grace period')
    t.ok(await gw.app.keys.verify(next), 'new secret still works')

    const revoked = await run('keys', 'revoke', id)
    t.equal(revoked.code, 0, revoked.stderr)
    t.match(revoked.stdout, /^status:\s+revoked$/m)
    t.ok(await eventually(async () => await gw.app.keys.verify(next) === null), 'revoked key refused')
    const again = await run('keys', 'revoke', id)
    t.equal(again.code, 1)
    t.match(again.stderr, /already revoked \(HTTP 409 conflict\)/)

    const platform = await run('keys', 'create', '--name', 'books', '--scopes', 'finance', '--json', '--key', admin.key)
    t.equal(JSON.parse(platform.stdout).teamSlug, null)
    t.match((await run('keys', 'list')).stdout, /books\s+-\s+finance\s+active/)
  })

  await t.test('usage, budget adjust (negative amounts too) and audit', async t => {
    const credit = await run('budget', 'adjust', 'acme', '25', '--reason', 'top-up', '--json')
    t.equal(credit.code, 0, credit.stderr)
    t.match(JSON.parse(credit.stdout), { amount: '25.0000', remaining: '125.2500' })
    const debit = await run('budget', 'adjust', 'acme', '-10.5', '--reason', 'correction')
    t.equal(debit.code, 0, debit.stderr)
    t.match(debit.stdout, /^amount:\s+-10\.5000$/m)
    t.equal((await run('budget', 'adjust', 'acme', '5')).code, 1, '--reason is required')

    const usage = await run('usage', 'acme')
    t.match(usage.stdout, /^remaining:\s+114\.7500$/m)
    t.match(usage.stdout, /^KEY\s+NAME\s+CHARGED\s+HELD\s+JOBS TODAY\s+ACTIVE$/m)
    t.equal(JSON.parse((await run('usage', 'acme', '--json')).stdout).adjusted, '14.5000')

    const audit = JSON.parse((await run('audit', '--json', '--limit', '3')).stdout)
    t.same(audit.items.map((e: { action: string }) => e.action), ['budget.adjust', 'budget.adjust', 'key.create'])
    t.type(audit.nextCursor, 'string')
    const filtered = await run('audit', '--action', 'key.rotate')
    t.match(filtered.stdout, /^TIME\s+ACTOR\s+ACTION\s+TARGET\s+REQUEST\n\S+\s+cli-admin \(tgw_[a-z2-7]{12}\)\s+key\.rotate\s+key:/)
    t.notMatch(gw.logs.join('\n'), admin.key.slice(17), 'the admin key never reaches the logs')
  })

  await t.test('account top-up and top-ups', async t => {
    const recorded = await run('account', 'top-up', '500', '--note', 'invoice 2026-118', '--at', '2026-12-01T09:30:00Z', '--json')
    t.equal(recorded.code, 0, recorded.stderr)
    t.match(JSON.parse(recorded.stdout), { amount: '500.0000', at: '2026-12-01T09:30:00.000Z', note: 'invoice 2026-118' })
    t.equal((await run('account', 'top-up', '5')).code, 1, '--note is required')
    const list = await run('account', 'top-ups')
    t.match(list.stdout, /^AT\s+AMOUNT\s+NOTE\n2026-12-01T09:30:00\.000Z\s+500\.0000\s+invoice 2026-118\n$/)
  })
})
