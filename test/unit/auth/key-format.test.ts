import { createHash } from 'node:crypto'
import t from 'tap'
import {
  displayPrefix,
  generateKey,
  hashKey,
  KEY_PREFIX,
  parseKey,
  sameHash
} from '../../../src/auth/key-format.ts'

const ID = 'abcdefgh2345' // 12 base32 characters
const SECRET = 'Ab3_-'.repeat(8) + 'xyz' // 43 url-safe characters, like a base64url 32-byte secret

t.test('generateKey: tgw_ + 12 base32 chars + _ + a url-safe secret', async t => {
  const { key, publicId, prefix } = generateKey()
  t.match(key, /^tgw_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/)
  t.equal(KEY_PREFIX, 'tgw_')
  t.match(publicId, /^[a-z2-7]{12}$/)
  t.equal(key.slice(4, 16), publicId, 'the public id is in the key')
  t.equal(prefix, `tgw_${publicId}`)
  t.equal(prefix, displayPrefix(publicId))
  t.ok(key.startsWith(`${prefix}_`), 'the display prefix is the start of the key')
})

t.test('generateKey: the secret is 32 random bytes (256 bits ≥ 128)', async t => {
  const { key } = generateKey()
  const secret = key.slice(17)
  t.equal(secret.length, 43)
  const bytes = Buffer.from(secret, 'base64url')
  t.equal(bytes.length, 32)
  t.equal(bytes.toString('base64url'), secret, 'canonical base64url, no padding')
  t.ok(bytes.length * 8 >= 128)
})

t.test('generateKey: keys are unique and public ids use the whole base32 alphabet', async t => {
  const keys = Array.from({ length: 300 }, () => generateKey())
  t.equal(new Set(keys.map(k => k.key)).size, keys.length, 'no repeated key')
  t.equal(new Set(keys.map(k => k.publicId)).size, keys.length, 'no repeated public id')
  const seen = new Set(keys.flatMap(k => [...k.publicId]))
  // 3600 characters drawn from 32: missing one by chance has a probability around 1e-48
  t.equal(seen.size, 32, 'all 32 base32 characters appear')
  t.ok(keys.every(k => parseKey(k.key) !== null), 'every generated key parses')
})

t.test('parseKey accepts generated keys', async t => {
  const { key, publicId } = generateKey()
  t.same(parseKey(key), { publicId, key })
  t.same(parseKey(`tgw_${ID}_${SECRET}`), { publicId: ID, key: `tgw_${ID}_${SECRET}` })
  t.same(parseKey(`tgw_${ID}_${'a'.repeat(32)}`)?.publicId, ID, 'a 32-char secret is the shortest')
  t.same(parseKey(`tgw_${ID}_${'a'.repeat(128)}`)?.publicId, ID, 'a 128-char secret is the longest')
  // '_' belongs to the base64url alphabet, so what follows the public id is all secret
  t.same(parseKey(`tgw_${ID}_${SECRET}_more`)?.publicId, ID, 'a trailing _segment is part of the secret')
})

t.test('parseKey rejects near-misses', async t => {
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['no prefix', `${ID}_${SECRET}`],
    ['wrong prefix', `tgx_${ID}_${SECRET}`],
    ['uppercase prefix', `TGW_${ID}_${SECRET}`],
    ['prefix without underscore', `tgw${ID}_${SECRET}`],
    ['uppercase public id', `tgw_${ID.toUpperCase()}_${SECRET}`],
    ['one uppercase letter in the public id', `tgw_Abcdefgh2345_${SECRET}`],
    ['public id with a non-base32 digit', `tgw_abcdefgh2341_${SECRET}`],
    ['public id with 0 and 8', `tgw_abcdefgh0008_${SECRET}`],
    ['public id too short', `tgw_${ID.slice(1)}_${SECRET}`],
    ['public id too long', `tgw_${ID}a_${SECRET}`],
    ['extra segment before the public id', `tgw_live_${ID}_${SECRET}`],
    ['no secret', `tgw_${ID}`],
    ['empty secret', `tgw_${ID}_`],
    ['short secret (31 chars)', `tgw_${ID}_${'a'.repeat(31)}`],
    ['secret too long (129 chars)', `tgw_${ID}_${'a'.repeat(129)}`],
    ['base64 + in the secret', `tgw_${ID}_${SECRET.slice(1)}+`],
    ['base64 / in the secret', `tgw_${ID}_${SECRET.slice(1)}/`],
    ['padding in the secret', `tgw_${ID}_${SECRET}=`],
    ['a space inside', `tgw_${ID}_${SECRET.slice(0, 20)} ${SECRET.slice(20)}`],
    ['leading space', ` tgw_${ID}_${SECRET}`],
    ['trailing space', `tgw_${ID}_${SECRET} `],
    ['trailing newline', `tgw_${ID}_${SECRET}\n`],
    ['Bearer header instead of a key', `Bearer tgw_${ID}_${SECRET}`]
  ]
  for (const [name, key] of cases) t.equal(parseKey(key), null, name)
})

t.test('hashKey is the hex SHA-256 of the whole key', async t => {
  t.equal(hashKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'known vector')
  const { key } = generateKey()
  const digest = hashKey(key)
  t.match(digest, /^[0-9a-f]{64}$/)
  t.equal(digest, createHash('sha256').update(key).digest('hex'))
  t.equal(hashKey(key), digest, 'deterministic')
  t.not(hashKey(`${key}x`), digest)
  t.not(hashKey(key.slice(0, -1)), digest)
})

t.test('sameHash compares digests', async t => {
  const a = hashKey('tgw_key_a')
  const b = hashKey('tgw_key_b')
  t.ok(sameHash(a, a))
  t.notOk(sameHash(a, b))
  t.notOk(sameHash(a, `${a.slice(0, 63)}${a.endsWith('0') ? '1' : '0'}`), 'last nibble differs')
  t.notOk(sameHash(a, a.slice(0, 62)), 'shorter: different lengths do not throw')
  t.notOk(sameHash(a.slice(0, 62), a), 'longer')
  t.notOk(sameHash(a, `${a}00`), 'one more byte')
  t.notOk(sameHash(a, ''), 'empty')
  t.notOk(sameHash(a, 'not a hash'), 'not hex')
  t.ok(sameHash(a, a.toUpperCase()), 'hex case does not matter')
})

t.test('sameHash does not equate different strings', async t => {
  const a = hashKey('tgw_key_a')
  t.notOk(sameHash(a, `${a}x`), 'digest + trailing garbage')
  t.notOk(sameHash(`${a}0`, `${a}f`), 'odd lengths differing in the last nibble')
  t.notOk(sameHash('zz', 'yy'), 'two different non-hex strings')
})

t.test('displayPrefix', async t => {
  t.equal(displayPrefix(ID), `tgw_${ID}`)
  t.equal(displayPrefix(ID).length, 16)
  t.notMatch(displayPrefix(ID), SECRET)
})
