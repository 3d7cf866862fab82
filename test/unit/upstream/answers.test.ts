// Which TensorPix answers say the shared master account is out of credits (src/upstream/answers.ts).
import t from 'tap'
import { answerFor, isAccountOutOfCredits } from '../../../src/upstream/answers.ts'

const answer = (status: number, body: unknown) => ({ status, body, headers: {}, text: JSON.stringify(body) })

t.test('402, or a 400 whose account-level message speaks of credits or the balance', async t => {
  t.ok(isAccountOutOfCredits(answer(402, { detail: 'Payment required.' })))
  t.ok(isAccountOutOfCredits(answer(402, null)), 'whatever the body')
  t.ok(isAccountOutOfCredits(answer(400, {
    errors: {}, non_field_errors: ['Insufficient credits: this job costs 3.0000 credits and the balance is 1.0000.']
  })))
  t.ok(isAccountOutOfCredits(answer(400, { detail: 'Not enough credit on your balance.' })))
})

t.test('a refusal of the request itself is not', async t => {
  t.notOk(isAccountOutOfCredits(answer(400, { errors: { crf: ['Ensure this value is less than 52.'] }, non_field_errors: [] })))
  t.notOk(isAccountOutOfCredits(answer(400, { errors: { note: ['credits'] }, non_field_errors: [] })),
    'a field error is about the field')
  t.notOk(isAccountOutOfCredits(answer(400, { detail: 'Storage quota exceeded.' })))
  t.notOk(isAccountOutOfCredits(answer(409, { detail: 'Not enough credits.' })), 'only 400 and 402')
  t.notOk(isAccountOutOfCredits(answer(400, 'credits')), 'a body that is not JSON')
})

t.test('the client gets the gateway\'s words, never the upstream body', async t => {
  const error = answerFor(answer(400, { errors: {}, non_field_errors: ['Insufficient credits: balance is 1.0000.'] }))
  t.equal(error.code, 'upstream_out_of_credits')
  t.equal(error.statusCode, 503)
  t.equal(error.upstreamBody, undefined)
  t.equal(answerFor(answer(400, { errors: { crf: ['bad'] }, non_field_errors: [] })).code, 'upstream_refused')
})
