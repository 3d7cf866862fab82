// What the TensorPix client does to an answer that echoes the master token (src/upstream/client.ts withoutToken).
import t from 'tap'
import { REDACTED, withoutToken } from '../../../src/upstream/client.ts'

t.test('every copy of the token is replaced, as sent and as JSON escapes it', async t => {
  t.equal(withoutToken('{"detail":"Invalid token abc123. abc123!"}', 'abc123'), `{"detail":"Invalid token ${REDACTED}. ${REDACTED}!"}`)
  const quoted = 'tok"en\\1'
  t.equal(withoutToken(JSON.stringify({ detail: `bad ${quoted}` }), quoted), `{"detail":"bad ${REDACTED}"}`, 'escaped in JSON')
  t.equal(JSON.parse(withoutToken(JSON.stringify({ detail: quoted }), quoted)).detail, REDACTED, 'the JSON still parses')
})

t.test('an answer without it is the same string', async t => {
  const text = '{"id":1001,"status":0}'
  t.equal(withoutToken(text, 'abc123'), text)
  t.equal(withoutToken('', 'abc123'), '')
})
