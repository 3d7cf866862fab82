// The two renderers of a catalogue error (gateway envelope, TensorPix's shape) and the mapping of every other error
// onto the catalogue, so that no framework code reaches a client.
import t from 'tap'
import { errorCodes, type FastifyRequest } from 'fastify'
import { ERROR_CODES } from '../../../src/errors/catalogue.ts'
import { GatewayError } from '../../../src/errors/gateway-error.ts'
import { invalid, unstorableText } from '../../../src/errors/problems.ts'
import { asGatewayError, gatewayAnswer } from '../../../src/http/errors.ts'
import { tensorpixAnswer, validationBody } from '../../../src/tensorpix/errors.ts'

const quiet = { error () {}, warn () {} }
const request = (extra: object = {}) =>
  ({ id: 'req-1', headers: {}, body: undefined, log: quiet, ...extra }) as unknown as FastifyRequest

t.test('the gateway envelope', async t => {
  t.same(gatewayAnswer(new GatewayError('not_found', 'Team acme'), 'req-1'), {
    status: 404, headers: {}, body: { error: 'not_found', message: 'Team acme not found', requestId: 'req-1' }
  })
  const problems = [{ field: 'body.slug', message: 'is required' }]
  t.same(gatewayAnswer(invalid(problems), 'req-1').body,
    { error: 'bad_request', message: 'The request is invalid', requestId: 'req-1', details: problems })
  const refusal = new GatewayError('policy_refused', 'is not allowed').with({ field: 'video_url' })
  t.same(gatewayAnswer(refusal, 'req-1').body.details, [{ field: 'video_url', message: 'is not allowed' }],
    'a field refusal is its one detail')
  const throttled = gatewayAnswer(new GatewayError('rate_limited', 7).with({ headers: { 'retry-after': '7' } }), 'r1')
  t.same(throttled, {
    status: 429,
    headers: { 'retry-after': '7' },
    body: { error: 'rate_limited', message: 'Too many requests without a valid key; retry in 7 s', requestId: 'r1' }
  })
  t.same(gatewayAnswer(new GatewayError('create_unrecorded').with({ extra: { gateway_job_id: 'j1' } }), 'r').body,
    { error: 'create_unrecorded', message: new GatewayError('create_unrecorded').message, requestId: 'r' },
    'data-plane extras stay out of the envelope')
  t.equal(gatewayAnswer(new GatewayError('request_refused', 416, 'Range Not Satisfiable'), 'r').status, 416)
})

t.test('TensorPix\'s shape: {detail}, in DRF\'s words where TensorPix has its own', async t => {
  const detail = (error: GatewayError, contentType?: string) =>
    tensorpixAnswer(error, { id: 'req-1', contentType }).body
  t.same(detail(new GatewayError('budget_exhausted', '0.0000', '1.0000')),
    { detail: 'Budget exhausted: 0.0000 credits remaining, this job holds 1.0000.', request_id: 'req-1' })
  t.same(detail(new GatewayError('unauthorized')), { detail: 'Invalid token.', request_id: 'req-1' })
  t.same(detail(new GatewayError('forbidden', 'a team key')),
    { detail: 'You do not have permission to perform this action.', request_id: 'req-1' })
  t.same(detail(new GatewayError('not_found', 'Job 4')), { detail: 'Not found.', request_id: 'req-1' })
  t.same(detail(new GatewayError('rate_limit_exceeded', 12)),
    { detail: 'Request was throttled. Expected available in 12 seconds.', request_id: 'req-1' })
  t.same(detail(new GatewayError('rate_limited', 3)),
    { detail: 'Request was throttled. Expected available in 3 seconds.', request_id: 'req-1' })
  t.same(detail(new GatewayError('body_too_large')), { detail: 'Request body is too large.', request_id: 'req-1' })
  t.same(detail(new GatewayError('uri_too_long', 'x')), { detail: 'Request URL is too long.', request_id: 'req-1' })
  t.same(detail(new GatewayError('unsupported_media_type'), 'text/plain'),
    { detail: 'Unsupported media type "text/plain" in request.', request_id: 'req-1' })
  t.same(detail(new GatewayError('create_outcome_unknown').with({ extra: { gateway_job_id: 'j1' } })),
    { detail: new GatewayError('create_outcome_unknown').message, gateway_job_id: 'j1', request_id: 'req-1' })
  const server = tensorpixAnswer(new GatewayError('internal', 503), { id: 'req-1' })
  t.same(server, { status: 500, headers: {}, body: { detail: 'A server error occurred.', request_id: 'req-1' } })
})

t.test('TensorPix\'s shape: ValidationError for field refusals and parse errors', async t => {
  const refusal = new GatewayError('unknown_input_video', 9).with({ field: 'input_video' })
  t.same(tensorpixAnswer(refusal, { id: 'r' }), {
    status: 400,
    headers: {},
    body: {
      errors: { input_video: ['Invalid pk "9" - object does not exist.'] },
      non_field_errors: [],
      request_id: 'r'
    }
  })
  const nonField = (error: GatewayError) => tensorpixAnswer(error).body
  t.same(nonField(new GatewayError('malformed_body', 'Unexpected token')),
    { errors: {}, non_field_errors: ['Parse error - Unexpected token'] })
  t.same(nonField(new GatewayError('malformed_multipart', 'Unexpected end of form')),
    { errors: {}, non_field_errors: ['Multipart form parse error - Unexpected end of form'] })
  t.same(nonField(new GatewayError('bad_url', "'%zz' is not a valid url component")),
    { errors: {}, non_field_errors: ['Malformed request URL.'] })
  const refused = tensorpixAnswer(new GatewayError('request_refused', 406, 'the multipart content type is wrong'))
  t.equal(refused.status, 400, 'DRF answers 400 for a client error it has no class for')
  t.same(refused.body, { errors: {}, non_field_errors: ['the multipart content type is wrong'] })
})

t.test('TensorPix\'s shape: its own refusals pass through untouched', async t => {
  const body = { errors: { ml_models: ['Invalid pk "99999" - object does not exist.'] }, non_field_errors: [] }
  const refused = new GatewayError('upstream_refused', 400, 'validation error').with({ upstreamBody: body })
  t.same(tensorpixAnswer(refused, { id: 'r' }), { status: 400, headers: {}, body: { ...body, request_id: 'r' } })
  t.same(tensorpixAnswer(new GatewayError('upstream_refused', 404)).body, { detail: 'Request refused by TensorPix.' },
    'a body that was not JSON')
  const throttled = tensorpixAnswer(new GatewayError('upstream_throttled').with({ headers: { 'retry-after': '30' } }))
  t.same(throttled,
    { status: 429, headers: { 'retry-after': '30' }, body: { detail: 'TensorPix is throttling requests; retry later.' } })
})

t.test('framework, database and unexpected errors map onto the catalogue', async t => {
  const mapped = (error: unknown, req = request()) => {
    const e = asGatewayError(error, req)
    return { code: e.code, status: e.statusCode, message: e.message }
  }
  const validation = Object.assign(new Error('body/slug must be string'), {
    statusCode: 400,
    validationContext: 'body',
    validation: [{ keyword: 'type', instancePath: '/slug', params: { type: 'string' }, message: 'must be string' }]
  })
  const invalidBody = asGatewayError(validation, request())
  t.equal(invalidBody.code, 'bad_request')
  t.same(invalidBody.details, [{ field: 'body.slug', message: 'must be string' }])

  t.same(mapped(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE()),
    { code: 'body_too_large', status: 413, message: 'Request body is too large' })
  t.same(mapped(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE()),
    { code: 'unsupported_media_type', status: 415, message: 'Unsupported Media Type' })
  t.same(mapped(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY()),
    { code: 'malformed_body', status: 400, message: "Body is not valid JSON but content-type is set to 'application/json'" })
  t.same(mapped(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY()).code, 'malformed_body')
  t.same(mapped(new errorCodes.FST_ERR_MAX_PARAM_LENGTH('x')).code, 'uri_too_long')
  const rateLimit = Object.assign(new Error('Rate limit exceeded, retry in 1 minute'), { statusCode: 429, code: 'FST_ERR_RL' })
  t.same(mapped(rateLimit), { code: 'too_many_requests', status: 429, message: 'Rate limit exceeded, retry in 1 minute' })
  t.same(mapped(Object.assign(new Error('Range Not Satisfiable'), { statusCode: 416 })),
    { code: 'request_refused', status: 416, message: 'Range Not Satisfiable' })
  const multipart = request({ isMultipart: () => true })
  t.same(mapped(new Error('Unexpected end of form'), multipart),
    { code: 'malformed_multipart', status: 400, message: 'Unexpected end of form' }, 'a multipart body its parser gave up on')

  const database = asGatewayError({ code: 'P1001', message: 'cannot reach the server' }, request())
  t.equal(database.code, 'database_unavailable')
  t.same(database.headers, { 'retry-after': '5' })
  t.equal(asGatewayError({ code: 'P2034' }, request()).code, 'conflict_retry')

  t.same(mapped(new TypeError('x is undefined')), { code: 'internal', status: 500, message: 'Internal server error' })
  t.same(mapped(new errorCodes.FST_ERR_HANDLER_TIMEOUT(10, '/x')).status, 503, 'a server error keeps its status')
  t.same(mapped('a thrown string').code, 'internal')
  const known = new GatewayError('conflict', 'taken')
  t.equal(asGatewayError(known, request()), known, 'a catalogue error is answered as it is')
})

t.test('no framework code reaches a client', async t => {
  for (const FastifyErrorClass of Object.values(errorCodes)) {
    const error = new FastifyErrorClass('x', 'y')
    const answer = gatewayAnswer(asGatewayError(error, request()), 'r')
    t.ok(ERROR_CODES.includes(answer.body.error), `${(error as { code?: string }).code} answers ${answer.body.error}`)
    t.notMatch(JSON.stringify([answer.body, tensorpixAnswer(asGatewayError(error, request()), {}).body]), /FST_|fst_/)
  }
})

t.test('TensorPix words a field outside the contract and unstorable text in DRF\'s manner', async t => {
  const refused = { keyword: 'additionalProperties', instancePath: '', params: { additionalProperty: 'owner' } }
  t.same(validationBody([refused, ...unstorableText({ x: 'a\u0000', y: '\ud800' })]), {
    errors: {
      owner: ['This field is not accepted by the gateway.'],
      x: ['Null characters are not allowed.'],
      y: ['Surrogate characters are not allowed: U+D800.']
    },
    non_field_errors: []
  })
})
