import t from 'tap'
import { jsonDeeperThan, MAX_JSON_DEPTH } from '../../../src/http/limits.ts'

t.test('jsonDeeperThan counts arrays and objects, not brackets inside strings', async t => {
  t.notOk(jsonDeeperThan('{"a":[1,2,{"b":3}]}', 3))
  t.ok(jsonDeeperThan('{"a":[1,2,{"b":[3]}]}', 3))
  t.notOk(jsonDeeperThan('"[[[[[[[["', 1), 'brackets in a string')
  t.notOk(jsonDeeperThan('{"a":"\\"[[[[","b":1}', 1), 'an escaped quote does not end the string')
  t.notOk(jsonDeeperThan('{"a":"\\\\","b":[1]}', 2), 'an escaped backslash does')
  t.notOk(jsonDeeperThan('[]'.repeat(1000), 1), 'siblings do not add up')
  t.notOk(jsonDeeperThan('', 1))
})

t.test('a very deep document is refused without recursion', async t => {
  const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000)
  t.ok(jsonDeeperThan(deep, MAX_JSON_DEPTH))
  t.notOk(jsonDeeperThan('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH), MAX_JSON_DEPTH), 'exactly the limit passes')
})
