import t from 'tap'
import { CATALOGUE, ERROR_CODES, REPORTED } from '../../../src/errors/catalogue.ts'
import { GatewayError } from '../../../src/errors/gateway-error.ts'

t.test('every code is snake_case, unique, and has a status and a message', async t => {
  t.equal(new Set(ERROR_CODES).size, ERROR_CODES.length)
  for (const code of ERROR_CODES) {
    const { status, message } = CATALOGUE[code]
    t.match(code, /^[a-z]+(?:_[a-z]+)*$/, `${code} is snake_case`)
    const isErrorStatus = status === REPORTED || (Number.isInteger(status) && status >= 400 && status <= 599)
    t.ok(isErrorStatus, `${code} has an error status`)
    // each argument is interpolated or is the message itself, so any text stands in for it
    const sample = (message as (...args: string[]) => string)(...Array.from({ length: message.length }, () => '418'))
    t.ok(typeof sample === 'string' && sample.length > 0, `${code} has a message`)
  }
})

t.test('an error carries its code, status, message and template arguments', async t => {
  const error = new GatewayError('budget_exhausted', '1.5000', '2.0000')
  t.ok(error instanceof Error)
  t.equal(error.name, 'GatewayError')
  t.equal(error.code, 'budget_exhausted')
  t.equal(error.statusCode, 402)
  t.equal(error.message, 'Budget exhausted: 1.5000 credits remaining, this job holds 2.0000.')
  t.same(error.args, ['1.5000', '2.0000'])
  t.same(error.headers, {})
})

t.test('a reported status comes from the template\'s first argument', async t => {
  const refused = new GatewayError('upstream_refused', 409)
  t.equal(refused.statusCode, 409)
  t.equal(refused.message, 'Request refused by TensorPix.')
  t.equal(new GatewayError('upstream_refused', 400, 'validation error').message, 'validation error')
  t.equal(new GatewayError('internal', 503).statusCode, 503)
})

t.test('extras are attached where the error is made', async t => {
  const error = new GatewayError('create_unrecorded')
    .with({ headers: { 'retry-after': '2' }, extra: { gateway_job_id: 'j1' } })
    .with({ field: 'video_url' })
  t.same(error.headers, { 'retry-after': '2' })
  t.same(error.extra, { gateway_job_id: 'j1' })
  t.equal(error.field, 'video_url')
})

t.test('the catalogue is closed: codes and arguments are checked by the compiler', async t => {
  // @ts-expect-error a free-string code
  t.throws(() => new GatewayError('teapot'))
  // @ts-expect-error not_found names what was not found
  t.equal(new GatewayError('not_found').statusCode, 404)
})
