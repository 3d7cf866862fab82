import t from 'tap'
import { schemaProblems } from '../../../src/errors/problems.ts'

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
