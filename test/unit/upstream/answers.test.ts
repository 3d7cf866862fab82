// Which TensorPix answers to a create say the shared master account is out of credits (src/upstream/answers.ts).
import t from 'tap'
import { answerFor, answerForCreate, isAccountOutOfCredits } from '../../../src/upstream/answers.ts'

const answer = (status: number, body: unknown) => ({ status, body, headers: {}, text: JSON.stringify(body) })

t.test('402, or a 400 with a message saying the credits, balance or funds fall short', async t => {
  t.ok(isAccountOutOfCredits(answer(402, { detail: 'Payment required.' })))
  t.ok(isAccountOutOfCredits(answer(402, null)), 'whatever the body')
  t.ok(isAccountOutOfCredits(answer(400, {
    errors: {}, non_field_errors: ['Insufficient credits: this job costs 3.0000 credits and the balance is 1.0000.']
  })))
  t.ok(isAccountOutOfCredits(answer(400, { detail: 'Not enough credit on your balance.' })))
  t.ok(isAccountOutOfCredits(answer(400, { ml_models: ['Insufficient credits: balance is 1.0000'] })),
    'under a field, top level')
  t.ok(isAccountOutOfCredits(answer(400, { errors: { ml_models: ['Insufficient credits: balance is 1.0000'] } })),
    'under a field of a validation body')
  t.ok(isAccountOutOfCredits(answer(400, { detail: 'Not enough funds.' })), 'funds wording')
  t.ok(isAccountOutOfCredits(answer(400, { detail: 'The job cost exceeds your balance.' })))
})

t.test('a refusal of the request itself is not', async t => {
  t.notOk(isAccountOutOfCredits(answer(400, { errors: { crf: ['Ensure this value is less than 52.'] }, non_field_errors: [] })))
  t.notOk(isAccountOutOfCredits(answer(400, { errors: { note: ['credits'] }, non_field_errors: [] })),
    'money words alone say nothing falls short')
  t.notOk(isAccountOutOfCredits(answer(400, {
    ml_models: ['Auto Color Balance cannot be combined with Auto Color Balance v2.']
  })), 'a model named Balance')
  t.notOk(isAccountOutOfCredits(answer(400, { non_field_errors: ['Preview jobs cost no credits; drop max_cost.'] })),
    'an option error about credits')
  t.notOk(isAccountOutOfCredits(answer(400, { detail: 'Storage quota exceeded.' })))
  t.notOk(isAccountOutOfCredits(answer(409, { detail: 'Not enough credits.' })), 'only 400 and 402')
  t.notOk(isAccountOutOfCredits(answer(400, 'Not enough credits')), 'a body that is not JSON')
})

t.test('on a create the client gets the gateway\'s words, never the upstream body, and a minute to wait', async t => {
  const error = answerForCreate(answer(400, { errors: {}, non_field_errors: ['Insufficient credits: balance is 1.0000.'] }))
  t.equal(error.code, 'upstream_out_of_credits')
  t.equal(error.statusCode, 503)
  t.equal(error.upstreamBody, undefined)
  t.same(error.headers, { 'retry-after': '60' })
  t.equal(answerForCreate(answer(400, { errors: { crf: ['bad'] }, non_field_errors: [] })).code, 'upstream_refused')
})

t.test('every other route passes TensorPix\'s answer on untouched', async t => {
  const body = { detail: 'Insufficient credits: balance is 1.0000.' }
  const error = answerFor(answer(400, body))
  t.equal(error.code, 'upstream_refused')
  t.same(error.upstreamBody, body)
  t.equal(answerFor(answer(402, { detail: 'Payment required.' })).code, 'upstream_refused')
})

t.test('a redirect is no answer: 502 upstream_redirected on any route, a create included (issue 20, item 7)', async t => {
  for (const status of [301, 302, 303, 307, 308]) {
    const redirect = { status, body: null, headers: { location: 'https://elsewhere.test/api/jobs/' }, text: '' }
    t.match(answerFor(redirect), { code: 'upstream_redirected', statusCode: 502 }, `HTTP ${status}`)
    t.match(answerForCreate(redirect), { code: 'upstream_redirected', statusCode: 502 })
  }
})
