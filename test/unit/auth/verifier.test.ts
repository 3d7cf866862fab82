import t from 'tap'
import { KeyCache } from '../../../src/auth/key-cache.ts'
import { generateKey, hashKey } from '../../../src/auth/key-format.ts'
import { LookupBudget } from '../../../src/auth/lookup-budget.ts'
import { keyFromHeader, KeyVerifier, type KeyRow } from '../../../src/auth/verifier.ts'
import type { Db } from '../../../src/db/client.ts'

t.test('keyFromHeader', async t => {
  const cases: Array<[string | undefined, string | null]> = [
    ['Token abc', 'abc'],
    ['Bearer abc', 'abc'],
    ['token abc', 'abc'],
    ['bearer abc', 'abc'],
    ['TOKEN abc', 'abc'],
    ['BeArEr abc', 'abc'],
    ['Bearer    abc', 'abc'], // several spaces after the scheme
    ['Token abc   ', 'abc'], // trailing spaces
    ['Bearer tgw_abcdefgh2345_x-y_z', 'tgw_abcdefgh2345_x-y_z'],
    // refused
    [undefined, null],
    ['', null],
    ['abc', null], // missing scheme
    ['tgw_abcdefgh2345_secret', null],
    ['Bearer', null],
    ['Bearer ', null],
    ['Bearer    ', null],
    ['Bearerabc', null],
    ['Basic dXNlcjpwYXNz', null],
    ['Tokens abc', null],
    ['Bearer abc def', null], // two credentials
    ['Bearer\tabc', null], // the scheme is followed by spaces only
    ['Bearer: abc', null]
  ]
  for (const [header, expected] of cases) t.equal(keyFromHeader(header), expected, JSON.stringify(header))
})

t.test('keyFromHeader returns a generated key unchanged', async t => {
  const { key } = generateKey()
  t.equal(keyFromHeader(`Bearer ${key}`), key)
  t.equal(keyFromHeader(`Token ${key}`), key)
})

// The verifier's lookup decisions against a stand-in database that records what it was asked for
function bench (perSecond: number) {
  const lookedUp: string[] = []
  const rows = new Map<string, KeyRow>()
  const db = {
    apiKey: {
      findUnique: async ({ where }: { where: { publicId: string } }) => {
        lookedUp.push(where.publicId)
        return rows.get(where.publicId) ?? null
      }
    },
    $executeRaw: async () => 0
  } as unknown as Db
  const clock = { now: 0 }
  const cache = new KeyCache<KeyRow>({ feed: { live: true, subscribe () {} } })
  const verifier = new KeyVerifier(db, cache, new LookupBudget(perSecond, 0), () => clock.now)
  const addKey = () => {
    const generated = generateKey()
    const team = { slug: 'acme', disabled: false, requestsPerMinute: null, keyRequestsPerMinute: null }
    const row = { id: generated.publicId, name: 'k', publicId: generated.publicId, scopes: ['jobs:read'], teamId: 't', team }
    const secrets = { secretHash: hashKey(generated.key), previousSecretHash: null, previousExpiresAt: null }
    const limits = { expiresAt: null, revokedAt: null, requestsPerMinute: null }
    rows.set(generated.publicId, { ...row, ...secrets, ...limits } as unknown as KeyRow)
    return generated.key
  }
  return { verifier, lookedUp, clock, addKey, madeUp: () => `tgw_${generateKey().publicId}_${'s'.repeat(43)}` }
}

t.test('a throttled client is refused unknown prefixes without a lookup; its keys still work', async t => {
  const { verifier, lookedUp, clock, addKey, madeUp } = bench(0)
  const key = addKey()
  t.ok(await verifier.verify(key), 'seen once (one lookup)')
  for (let i = 0; i < 20; i++) t.equal(await verifier.verify(madeUp(), { throttled: true }), null)
  t.equal(lookedUp.length, 1, 'twenty made-up prefixes from a throttled client: no lookup')
  t.ok(await verifier.verify(key, { throttled: true }), 'its cached key is served')
  clock.now = 60_000
  t.ok(await verifier.verify(key, { throttled: true }), 'and once the cached row expired, looked up again')
  t.equal(lookedUp.length, 2)
  t.same(verifier.lookups, { hit: 1, miss: 2, capped: 0, throttled: 20 })
})

t.test('unknown prefixes are looked up within the budget; known keys never wait for it', async t => {
  const { verifier, lookedUp, clock, addKey, madeUp } = bench(3)
  const key = addKey()
  t.ok(await verifier.verify(key), 'a real key spends a token the first time: nobody knew it yet')
  for (let i = 0; i < 10; i++) t.equal(await verifier.verify(madeUp()), null)
  t.equal(lookedUp.length, 3, 'the key, then two made-up prefixes; eight refused unchecked')
  clock.now = 60_000
  for (let i = 0; i < 10; i++) await verifier.verify(madeUp())
  t.equal(lookedUp.length, 3 + 3, 'a minute later: three more (one second\'s worth), and the budget is spent')
  t.ok(await verifier.verify(key), 'a key whose cached row expired is looked up all the same')
  t.equal(lookedUp.length, 7)
  t.same(verifier.lookups, { hit: 0, miss: 7, capped: 15, throttled: 0 })
})

t.test('a refusal over the cap is the same null as a wrong secret', async t => {
  const { verifier, addKey, madeUp } = bench(1)
  const key = addKey()
  t.ok(await verifier.verify(key))
  const wrongSecret = key.replace(/_[^_]+$/, '_' + 'w'.repeat(43))
  t.same([await verifier.verify(madeUp()), await verifier.verify(wrongSecret)], [null, null])
})
