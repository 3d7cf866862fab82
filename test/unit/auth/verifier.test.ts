import t from 'tap'
import { generateKey } from '../../../src/auth/key-format.ts'
import { keyFromHeader } from '../../../src/auth/verifier.ts'

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
