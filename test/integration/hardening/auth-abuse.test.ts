// Invalid-key floods: refusals are throttled per client address (valid keys keep working), and a throttled address
// is refused before any lookup; summarised in the log instead of one line each; remembered per public id (a made-up
// prefix reaches the database once); capped across all addresses for prefixes no key has; and take the same time
// whether the prefix exists or not.
import t from 'tap'
import { CHANGE_FEED_APPLICATION } from '../../../src/db/change-feed.ts'
import type { Db } from '../../../src/db/client.ts'
import { generateKey, hashKey } from '../../../src/auth/key-format.ts'
import { notifyKeyChange } from '../../../src/auth/notify.ts'
import { eventually, mapBounded } from '../../helpers/async.ts'
import { makeKey } from '../../helpers/factories.ts'
import { dataPlaneBed } from '../../helpers/data-plane-bed.ts'
import { client, countStatuses } from '../../helpers/http.ts'
import { metricValue, parseMetrics } from '../../helpers/prometheus.ts'

const badKey = () => `tgw_${'a'.repeat(12)}_${generateKey().key.slice(-43)}`
// a well-formed key under a public id nobody has: what a flood of made-up keys is made of
const madeUpKey = () => `tgw_${generateKey().publicId}_${'s'.repeat(43)}`

/** Records the public ids the gateway looks up in the database (every key lookup is apiKey.findUnique by public id). */
function recordKeyLookups (db: Db): string[] {
  const publicIds: string[] = []
  const findUnique = db.apiKey.findUnique.bind(db.apiKey)
  db.apiKey.findUnique = ((args: Parameters<typeof findUnique>[0]) => {
    publicIds.push(String(args.where.publicId))
    return findUnique(args)
  }) as unknown as typeof db.apiKey.findUnique
  return publicIds
}

/** How many lookups were for public ids no key has (a valid key is looked up again whenever its cache is reset). */
const madeUpLookups = (lookedUp: string[], keys: Array<{ publicId: string }>) =>
  lookedUp.filter(id => !keys.some(key => key.publicId === id)).length

t.test('refusals past AUTH_FAILURES_PER_MINUTE are 429 per address; valid keys still work', async t => {
  const bed = await dataPlaneBed(t, { env: { AUTH_FAILURES_PER_MINUTE: '5' } })
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  // neighbours behind the same address, already at work (made behind the gateway's back, so it learns of them here)
  t.equal((await bed.api.get('/api/jobs/')).status, 200)
  t.equal((await client(bed.origin, admin.key, 'Bearer').get('/admin/v1/teams')).status, 200)
  const intruder = client(bed.origin, badKey())
  for (let i = 0; i < 5; i++) t.equal((await intruder.get('/api/jobs/')).status, 401, `refusal ${i + 1} is a 401`)
  const throttled = await intruder.get('/api/jobs/')
  t.equal(throttled.status, 429, 'then 429')
  t.match(throttled.body, { detail: /^Request was throttled\. Expected available in \d+ seconds\.$/, request_id: String })
  t.ok(Number(throttled.headers.get('retry-after')) > 0, 'with Retry-After')
  const adminThrottled = await client(bed.origin, 'nonsense', 'Bearer').get('/admin/v1/teams')
  t.equal(adminThrottled.status, 429, 'the control plane shares the per-address count')
  t.match(adminThrottled.body, { error: 'rate_limited', message: String, requestId: String })
  t.equal((await bed.api.get('/api/jobs/')).status, 200, 'a valid key from the same address is served')
  t.equal((await client(bed.origin, admin.key, 'Bearer').get('/admin/v1/teams')).status, 200, 'on both planes')

  await bed.gw.app.close()
  const refusedLines = bed.gw.logs.filter(line => line.includes('"msg":"request"') && /"status":(401|429)/.test(line))
  t.same(refusedLines, [], 'no access-log line per refusal')
  const summary = bed.gw.logs.map(line => JSON.parse(line) as Record<string, unknown>).find(l => l.msg === 'requests refused for want of a valid key')
  t.match(summary, { level: 40, refused: 7, addresses: [{ address: '127.0.0.1', refused: 7 }] }, 'one summary line instead')
})

t.test('a made-up public id reaches the database once; creating that key makes it work at once', async t => {
  const bed = await dataPlaneBed(t)
  const verifier = bed.gw.app.keys
  const future = generateKey()
  const lookedUp = recordKeyLookups(bed.gw.db)
  const refused = []
  for (let i = 0; i < 50; i++) refused.push(await verifier.verify(`tgw_${future.publicId}_${generateKey().key.slice(-43)}`))
  t.ok(refused.every(p => p === null), 'every made-up secret is refused')
  t.same(lookedUp, [future.publicId], 'fifty secrets under one unknown prefix: one database lookup')

  t.equal(await verifier.verify(future.key), null, 'the key does not exist yet')
  await bed.gw.db.$transaction(async tx => {
    await tx.apiKey.create({
      data: { teamId: bed.team.id, name: 'late', publicId: future.publicId, secretHash: hashKey(future.key), scopes: ['jobs:read'] }
    })
    await notifyKeyChange(tx, { publicId: future.publicId })
  })
  let principal = null
  for (let i = 0; i < 40 && !principal; i++) {
    principal = await verifier.verify(future.key)
    if (!principal) await new Promise(resolve => setTimeout(resolve, 50))
  }
  t.ok(principal, 'the remembered absence was dropped by the create notification')
})

// Regression (issue 20, 3): the throttle was consulted after the lookup, so an address already answered 429 still
// cost a database lookup for every new made-up prefix.
t.test('a throttled address is refused before any lookup, on both planes; keys it used keep working', async t => {
  const bed = await dataPlaneBed(t, { env: { AUTH_FAILURES_PER_MINUTE: '5' } })
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  const adminApi = client(bed.origin, admin.key, 'Bearer')
  t.equal((await bed.api.get('/api/jobs/')).status, 200, 'a neighbour behind the same address is at work')
  t.equal((await adminApi.get('/admin/v1/teams')).status, 200, 'on both planes')
  const lookedUp = recordKeyLookups(bed.gw.db)
  const madeUp = () => madeUpLookups(lookedUp, [bed.key, admin])
  for (let i = 0; i < 5; i++) t.equal((await client(bed.origin, madeUpKey()).get('/api/jobs/')).status, 401)
  t.equal(madeUp(), 5, 'five made-up prefixes before the throttle: five lookups')
  t.equal((await client(bed.origin, madeUpKey()).get('/api/jobs/')).status, 429)
  t.equal(madeUp(), 6, 'the sixth is how the address learns it is over the limit (the count is kept after the lookup)')

  const flood = await mapBounded(Array.from({ length: 300 }, (_, i) => i), 20, async i => i % 3 === 0
    ? await client(bed.origin, madeUpKey(), 'Bearer').get('/admin/v1/teams')
    : await client(bed.origin, madeUpKey()).get('/api/jobs/'))
  t.same(countStatuses(flood), { 429: 300 }, 'three hundred more made-up prefixes: every one 429')
  t.equal(madeUp(), 6, 'and not one more lookup')
  const [control, data] = [flood[0], flood[1]]
  t.match(data?.body, { detail: /^Request was throttled\. Expected available in \d+ seconds\.$/, request_id: String }, 'TensorPix\'s shape on /api')
  t.match(control?.body, { error: 'rate_limited', message: String, requestId: String }, 'the gateway envelope on /admin')
  for (const answer of [control, data]) t.ok(Number(answer?.headers.get('retry-after')) > 0, 'with Retry-After')
  t.equal(bed.gw.app.keys.lookups.throttled, 300, 'counted as refused unchecked')

  t.equal((await bed.api.get('/api/jobs/')).status, 200, 'the neighbour\'s key still works')
  t.equal((await adminApi.get('/admin/v1/teams')).status, 200, 'on both planes')
  bed.gw.app.keyCache.invalidate({ all: true })
  t.equal((await bed.api.get('/api/jobs/')).status, 200, 'and with its cached row gone, looked up again: it is a key\'s')
  t.ok(lookedUp.includes(bed.key.publicId))

  const unseen = await makeKey(bed.gw.db, { teamId: bed.team.id, scopes: ['jobs:read'] })
  t.equal((await client(bed.origin, unseen.key).get('/api/jobs/')).status, 429,
    'a key this replica never saw nor heard of is refused like a made-up one until the address cools down')
  t.notOk(lookedUp.includes(unseen.publicId), 'unchecked')
  const created = await adminApi.post<{ key: string, prefix: string }>(`/admin/v1/teams/${bed.team.slug}/keys`, {
    json: { name: 'new', scopes: ['jobs:read'] }
  })
  t.equal(created.status, 201)
  t.ok(await eventually(async () => bed.gw.app.keyCache.isKey(created.body.prefix.slice(4))), 'a key created through the gateway is heard of')
  t.equal((await client(bed.origin, created.body.key).get('/api/jobs/')).status, 200, 'and works from the throttled address at once')
})

// Regression (issue 20, 3): nothing capped the lookups of made-up prefixes spread over many addresses.
t.test('lookups of prefixes no key has are capped across all addresses; keys are not', async t => {
  const perSecond = 5
  const bed = await dataPlaneBed(t, { env: { TRUST_PROXY: 'true', AUTH_UNKNOWN_LOOKUPS_PER_SECOND: String(perSecond) } })
  t.equal((await bed.api.get('/api/jobs/')).status, 200, 'a key at work before the flood')
  // made behind the gateway's back, then read when its change feed reconnects (as at startup)
  const learned = await makeKey(bed.gw.db, { teamId: bed.team.id, scopes: ['jobs:read'] })
  await bed.gw.db.$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = ${CHANGE_FEED_APPLICATION} AND datname = current_database()`
  t.ok(await eventually(async () => bed.gw.app.keyCache.isKey(learned.publicId), 5000), 'learned on reconnect')
  const refusal = await client(bed.origin, madeUpKey()).get('/api/jobs/')
  t.equal(refusal.status, 401)
  await new Promise(resolve => setTimeout(resolve, 1000)) // the budget refills: the flood starts from a full one

  const lookedUp = recordKeyLookups(bed.gw.db)
  const addresses = 200
  const started = Date.now()
  const answers = await mapBounded(Array.from({ length: 600 }, (_, i) => i), 25, async i => {
    const from = { 'x-forwarded-for': `10.20.${Math.floor((i % addresses) / 100)}.${i % 100}` }
    if (i === 300) return { valid: true, ...(await client(bed.origin, learned.key).get('/api/jobs/', from)) }
    if (i % 30 === 0) return { valid: true, ...(await bed.api.get('/api/jobs/', from)) }
    return { valid: false, ...(await client(bed.origin, madeUpKey()).get('/api/jobs/', from)) }
  })
  const seconds = (Date.now() - started) / 1000
  const flood = answers.filter(a => !a.valid)
  const madeUp = madeUpLookups(lookedUp, [bed.key, learned])
  const allowed = perSecond + perSecond * seconds
  t.same(countStatuses(flood), { 401: flood.length }, `${flood.length} made-up keys from ${addresses} addresses: all 401`)
  t.ok(madeUp <= allowed, `${madeUp} lookups of made-up prefixes in ${seconds.toFixed(2)} s, ` +
    `at most ${allowed.toFixed(0)} (${perSecond} a second and one second's worth saved up)`)
  t.ok(madeUp >= perSecond, 'the budget was spent, not refused outright')
  const strip = (body: unknown) => ({ ...(body as object), request_id: null })
  t.ok(flood.every(a => JSON.stringify(strip(a.body)) === JSON.stringify(strip(refusal.body)) &&
    a.headers.get('www-authenticate') === 'Token'), 'every refusal over the cap is the same 401 as an invalid key')
  t.same(countStatuses(answers.filter(a => a.valid)), { 200: 20 }, 'every valid key answered during the flood')
  t.ok(lookedUp.includes(learned.publicId), 'the learned key among them, on its first use, with the budget spent')
  t.equal(bed.gw.app.keys.lookups.capped, flood.length - madeUp, 'the refusals over the cap are counted')

  const scrape = parseMetrics(await bed.gw.app.metrics.scrape())
  t.equal(metricValue(scrape, 'tpx_key_cache_lookups_total', { result: 'capped' }), bed.gw.app.keys.lookups.capped, 'and exported')
})

t.test('a refusal costs the same whether the public id exists or not', async t => {
  const bed = await dataPlaneBed(t)
  const verifier = bed.gw.app.keys
  const publicId = /^tgw_([a-z2-7]{12})_/.exec(bed.key.key)?.[1] as string
  const wrongSecret = `tgw_${publicId}_${'c'.repeat(43)}`
  const unknown = `tgw_${'q'.repeat(12)}_${'c'.repeat(43)}`
  const samples: Record<string, number[]> = { known: [], unknown: [] }
  for (let i = 0; i < 4000; i++) {
    // interleaved, so that load on the machine hits both alike
    for (const [name, key] of [['known', wrongSecret], ['unknown', unknown]] as const) {
      const started = process.hrtime.bigint()
      await verifier.verify(key)
      samples[name]?.push(Number(process.hrtime.bigint() - started))
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
  const [known, unknownMedian] = [median(samples.known as number[]), median(samples.unknown as number[])]
  const ratio = known / unknownMedian
  t.ok(ratio > 0.75 && ratio < 1.33, `median ${known} ns with an existing prefix, ${unknownMedian} ns without (ratio ${ratio.toFixed(2)})`)
})
