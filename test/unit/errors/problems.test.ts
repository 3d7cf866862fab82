import t from 'tap'
import { schemaProblems, unstorableCodePoint, unstorableText, UNSTORABLE_TEXT } from '../../../src/errors/problems.ts'

t.test('one problem per field, named by its full path', async t => {
  t.same(schemaProblems('body', [
    { keyword: 'required', instancePath: '/budget', params: { requiredProperties: ['mode', 'period'] }, message: 'x' },
    { keyword: 'boolean', instancePath: '/optionPolicy/bogus', params: {}, message: 'schema is false' },
    { keyword: 'additionalProperties', instancePath: '/optionPolicy', params: {}, message: 'must not have additional properties' },
    { keyword: 'pattern', instancePath: '/budget/maxJobCost', params: {}, message: 'must match pattern' },
    { keyword: 'type', instancePath: '/budget/maxJobCost', params: {}, message: 'must be null' },
    { keyword: 'anyOf', instancePath: '/budget/maxJobCost', params: {}, message: 'must match a schema in anyOf' },
    { keyword: 'minimum', instancePath: '/budget/alertThresholds/0', params: {}, message: 'must be >= 1' }
  ]), [
    { field: 'body.budget.mode', message: 'is required' },
    { field: 'body.budget.period', message: 'is required' },
    { field: 'body.optionPolicy.bogus', message: 'is not a known property' },
    { field: 'body.budget.maxJobCost', message: 'must match pattern' },
    { field: 'body.budget.alertThresholds.0', message: 'must be >= 1' }
  ])
})

t.test('ajv-style required errors and a root path', async t => {
  t.same(schemaProblems('querystring', [{ keyword: 'required', instancePath: '', params: { missingProperty: 'slug' } }]),
    [{ field: 'querystring.slug', message: 'is required' }])
  t.same(schemaProblems('body', [{ keyword: 'type', instancePath: '', params: {}, message: 'must be object' }]),
    [{ field: 'body', message: 'must be object' }])
})

t.test('NUL and surrogates without their pair are found wherever they are; paired surrogates are text', async t => {
  t.equal(unstorableCodePoint('Acme 🎬 ümlaut'), null)
  t.equal(unstorableCodePoint('a\u0000b'), 0)
  t.equal(unstorableCodePoint('a\ud800b'), 0xd800)
  t.equal(unstorableCodePoint('\udc00'), 0xdc00, 'a low surrogate alone')
  t.equal(unstorableCodePoint('🎬'.slice(0, 1)), 0xd83c, 'half of an emoji')
  t.same(unstorableText({ name: 'ok', 'a/b~': { list: ['x', 'y\u0000'] }, 'k\ud800': 1, n: 5, nothing: null }), [
    { keyword: UNSTORABLE_TEXT, instancePath: '/a~1b~0/list/1', params: { codePoint: 0 }, message: 'must not contain U+0000 (NUL)' },
    { keyword: UNSTORABLE_TEXT, instancePath: '/k\ud800', params: { codePoint: 0xd800 }, message: 'must not contain U+D800, a surrogate without its pair' }
  ])
  t.same(unstorableText('\u0000'), [{ keyword: UNSTORABLE_TEXT, instancePath: '', params: { codePoint: 0 }, message: 'must not contain U+0000 (NUL)' }])
  t.same(unstorableText(undefined), [])
  t.same(schemaProblems('body', unstorableText({ name: 'a\u0000' })), [{ field: 'body.name', message: 'must not contain U+0000 (NUL)' }])
})
