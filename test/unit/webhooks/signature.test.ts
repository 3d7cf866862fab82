import { createHmac } from 'node:crypto'
import t from 'tap'
import { eventBody } from '../../../src/webhooks/events.ts'
import { generateWebhookSecret, signatureHeader } from '../../../src/webhooks/signature.ts'

t.test('t=<unix seconds>,v1=<hex HMAC-SHA-256 of "t.body">', async t => {
  const at = new Date('2026-12-01T08:00:00.900Z')
  const header = signatureHeader('whsec_test', '{"a":1}', at)
  const expected = createHmac('sha256', 'whsec_test').update('1796112000.{"a":1}').digest('hex')
  t.equal(header, `t=1796112000,v1=${expected}`)
  t.not(signatureHeader('whsec_other', '{"a":1}', at), header, 'the secret matters')
  t.not(signatureHeader('whsec_test', '{"a":1}', new Date(at.getTime() + 1000)), header, 'the timestamp is signed')
})

t.test('secrets are random and prefixed', async t => {
  const a = generateWebhookSecret()
  t.match(a, /^whsec_[A-Za-z0-9_-]{43}$/)
  t.not(generateWebhookSecret(), a)
})

t.test('the body lays the envelope out in its documented order, whatever order JSONB returned', async t => {
  const stored = { data: { b: 2 }, team: { slug: 'acme' }, type: 'job.finished', id: 'e1', createdAt: '2026-12-01T08:00:00.000Z' }
  t.equal(eventBody(stored), '{"id":"e1","type":"job.finished","createdAt":"2026-12-01T08:00:00.000Z","team":{"slug":"acme"},"data":{"b":2}}')
})
