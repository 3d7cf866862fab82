// Invalid-key floods: refusals are throttled per client address (valid keys keep working), summarised in the log
// instead of one line each, remembered per public id (a made-up prefix reaches the database once), and take the
// same time whether the prefix exists or not.
import t from 'tap'
import { generateKey, hashKey } from '../../../src/auth/key-format.ts'
import { notifyKeyChange } from '../../../src/auth/notify.ts'
import { makeKey } from '../../helpers/factories.ts'
import { dataPlaneBed } from '../../helpers/data-plane-bed.ts'
import { client } from '../../helpers/http.ts'

const badKey = () => `tgw_${'a'.repeat(12)}_${generateKey().key.slice(-43)}`

t.test('refusals past AUTH_FAILURES_PER_MINUTE are 429 per address; valid keys still work', async t => {
  const bed = await dataPlaneBed(t, { env: { AUTH_FAILURES_PER_MINUTE: '5' } })
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
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
  const cache = bed.gw.app.keyCache
  const future = generateKey()
  const misses = cache.misses
  const refused = []
  for (let i = 0; i < 50; i++) refused.push(await verifier.verify(`tgw_${future.publicId}_${generateKey().key.slice(-43)}`))
  t.ok(refused.every(p => p === null), 'every made-up secret is refused')
  t.equal(cache.misses - misses, 1, 'fifty secrets under one unknown prefix: one database lookup')

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
