import t, { type Test } from 'tap'
import {
  checkVideoUrl,
  DEFAULT_MIN_PRESIGNED_VALIDITY_S,
  presignedExpiry,
  type Refusal,
  type UrlPolicy
} from '../../../src/policy/url-rules.ts'

const NOW = new Date(Date.UTC(2026, 10, 24, 12, 0, 0)) // 2026-11-24T12:00:00Z
const BASE = 'https://bucket.s3.eu-west-1.amazonaws.com/in/video.mp4'

const aws = (date: string, expires: string) => `${BASE}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${date}&X-Amz-Expires=${expires}&X-Amz-Signature=abc`
const gcs = (date: string, expires: string) => `https://storage.googleapis.com/b/v.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Date=${date}&X-Goog-Expires=${expires}`
const sigv2 = (epochSeconds: string) => `${BASE}?AWSAccessKeyId=AKIA&Expires=${epochSeconds}&Signature=abc`

function assertRefused (t: Test, refusal: Refusal | null, rule: string, message?: RegExp) {
  t.ok(refusal, `refused by ${rule}`)
  if (!refusal) return
  t.equal(refusal.rule, rule)
  t.equal(refusal.field, 'video_url')
  if (rule !== 'url') t.match(refusal.message, `Team policy (${rule}): `, 'the message names the rule')
  if (message) t.match(refusal.message, message)
}

t.test('presignedExpiry', async t => {
  const cases: Array<[string, string, number | null]> = [
    ['AWS SigV4', aws('20261124T120000Z', '3600'), Date.UTC(2026, 10, 24, 13, 0, 0)],
    ['AWS SigV4, zero seconds', aws('20261124T120000Z', '0'), Date.UTC(2026, 10, 24, 12, 0, 0)],
    ['AWS SigV4, 7 days', aws('20261231T235959Z', '604800'), Date.UTC(2027, 0, 7, 23, 59, 59)],
    ['GCS V4', gcs('20261124T120000Z', '7200'), Date.UTC(2026, 10, 24, 14, 0, 0)],
    ['AWS SigV2 (absolute epoch seconds)', sigv2('1795608000'), 1_795_608_000_000],
    ['SigV4 wins over a SigV2 Expires', `${aws('20261124T120000Z', '60')}&Expires=1795608000`, Date.UTC(2026, 10, 24, 12, 1, 0)],
    ['not presigned', 'https://cdn.example.com/v.mp4', null],
    ['not presigned, other query', 'https://cdn.example.com/v.mp4?token=abc&expires_in=5', null],
    ['SigV4 date without expiry seconds is not recognised', `${BASE}?X-Amz-Date=20261124T120000Z`, null],
    ['SigV2 Expires that is not a number is not recognised', sigv2('tomorrow'), null],
    // recognised but unreadable: 0 means "already expired"
    ['ISO date instead of compact date', aws('2026-11-24T12:00:00Z', '3600'), 0],
    ['date without Z', aws('20261124T120000', '3600'), 0],
    ['date only', aws('20261124', '3600'), 0],
    ['empty date', aws('', '3600'), 0],
    ['expiry not a number', aws('20261124T120000Z', '1h'), 0],
    ['negative expiry', aws('20261124T120000Z', '-3600'), 0],
    ['empty expiry', aws('20261124T120000Z', ''), 0],
    ['GCS unreadable date', gcs('yesterday', '7200'), 0]
  ]
  for (const [name, url, expected] of cases) t.equal(presignedExpiry(new URL(url)), expected, name)
})

t.test('presignedExpiry treats out-of-range date fields as unreadable', async t => {
  t.equal(presignedExpiry(new URL(aws('20261340T120000Z', '3600'))), 0, 'month 13, day 40')
  t.equal(presignedExpiry(new URL(aws('20261124T250000Z', '3600'))), 0, 'hour 25')
  t.equal(presignedExpiry(new URL(aws('20260231T120000Z', '3600'))), 0, '31 February')
  // the effect: a malformed date passes the validity check
  t.not(checkVideoUrl(aws('20261340T120000Z', '3600'), {}, NOW), null, 'refused')
})

t.test('an invalid URL is refused by the url rule', async t => {
  for (const raw of ['not a url', '', '//cdn.example.com/v.mp4', 'https://']) {
    assertRefused(t, checkVideoUrl(raw, {}, NOW), 'url', /valid URL/)
  }
})

t.test('httpsOnly', async t => {
  t.equal(checkVideoUrl('https://cdn.example.com/v.mp4', {}, NOW), null, 'https passes by default')
  assertRefused(t, checkVideoUrl('http://cdn.example.com/v.mp4', {}, NOW), 'httpsOnly', /https:\/\//)
  assertRefused(t, checkVideoUrl('ftp://cdn.example.com/v.mp4', {}, NOW), 'httpsOnly')
  assertRefused(t, checkVideoUrl('http://cdn.example.com/v.mp4', { httpsOnly: true }, NOW), 'httpsOnly')
  t.equal(checkVideoUrl('http://cdn.example.com/v.mp4', { httpsOnly: false }, NOW), null, 'turned off')
  t.equal(checkVideoUrl('HTTPS://cdn.example.com/v.mp4', {}, NOW), null, 'scheme is case-insensitive')
})

t.test('allowedHosts', async t => {
  const cases: Array<[string[], string, boolean]> = [
    // exact entries
    [['videos.example.com'], 'https://videos.example.com/v.mp4', true],
    [['videos.example.com'], 'https://VIDEOS.Example.COM/v.mp4', true],
    [['Videos.Example.com'], 'https://videos.example.com/v.mp4', true],
    [['videos.example.com'], 'https://videos.example.com:8443/v.mp4', true],
    [['videos.example.com'], 'https://a.videos.example.com/v.mp4', false],
    [['videos.example.com'], 'https://example.com/v.mp4', false],
    [['videos.example.com'], 'https://videos.example.com.evil.net/v.mp4', false],
    // '.suffix' entries: the apex and any subdomain
    [['.example.com'], 'https://example.com/v.mp4', true],
    [['.example.com'], 'https://a.example.com/v.mp4', true],
    [['.example.com'], 'https://a.b.example.com/v.mp4', true],
    [['.EXAMPLE.com'], 'https://A.Example.com/v.mp4', true],
    [['.example.com'], 'https://evilexample.com/v.mp4', false],
    [['.example.com'], 'https://example.com.evil.net/v.mp4', false],
    [['.example.com'], 'https://example.co/v.mp4', false],
    [['.example.com'], 'https://a.example.com@evil.net/v.mp4', false], // userinfo is not the host
    [['.example.com'], 'https://evil.net/v.mp4?next=a.example.com', false],
    // several entries, and none
    [['cdn.other.org', '.example.com'], 'https://cdn.other.org/v.mp4', true],
    [['cdn.other.org', '.example.com'], 'https://x.example.com/v.mp4', true],
    [['cdn.other.org', '.example.com'], 'https://other.org/v.mp4', false],
    [[], 'https://example.com/v.mp4', false]
  ]
  for (const [allowedHosts, url, allowed] of cases) {
    const refusal = checkVideoUrl(url, { allowedHosts }, NOW)
    if (allowed) t.equal(refusal, null, `${url} allowed by ${allowedHosts.join(', ')}`)
    else assertRefused(t, refusal, 'allowedHosts', /is not allowed/)
  }
  t.equal(checkVideoUrl('https://anything.net/v.mp4', {}, NOW), null, 'no list: any host')
  const refusal = checkVideoUrl('https://evilexample.com/v.mp4', { allowedHosts: ['.example.com'] }, NOW)
  t.match(refusal?.message, 'host evilexample.com is not allowed', 'the message names the host')
})

t.test('minPresignedValiditySeconds: the default is two hours', async t => {
  t.equal(DEFAULT_MIN_PRESIGNED_VALIDITY_S, 7200)
  t.equal(checkVideoUrl(aws('20261124T120000Z', '7200'), {}, NOW), null, 'exactly the minimum passes')
  t.equal(checkVideoUrl(aws('20261124T120000Z', '86400'), {}, NOW), null, 'a day passes')
  assertRefused(t, checkVideoUrl(aws('20261124T120000Z', '7199'), {}, NOW), 'minPresignedValiditySeconds')
  assertRefused(t, checkVideoUrl(aws('20261124T120000Z', '3600'), {}, NOW), 'minPresignedValiditySeconds',
    /expires at 2026-11-24T13:00:00\.000Z, less than 7200 s from now/)
  // signed earlier: what counts is the time left from now
  t.equal(checkVideoUrl(aws('20261124T100000Z', '14400'), {}, NOW), null, '2 h left of 4 h')
  assertRefused(t, checkVideoUrl(aws('20261124T100000Z', '14399'), {}, NOW), 'minPresignedValiditySeconds')
  assertRefused(t, checkVideoUrl(aws('20261123T120000Z', '3600'), {}, NOW), 'minPresignedValiditySeconds', /2026-11-23T13:00:00\.000Z/)
})

t.test('minPresignedValiditySeconds: GCS and SigV2', async t => {
  t.equal(checkVideoUrl(gcs('20261124T120000Z', '7200'), {}, NOW), null)
  assertRefused(t, checkVideoUrl(gcs('20261124T120000Z', '7199'), {}, NOW), 'minPresignedValiditySeconds')
  const inTwoHours = NOW.getTime() / 1000 + 7200
  t.equal(checkVideoUrl(sigv2(String(inTwoHours)), {}, NOW), null)
  assertRefused(t, checkVideoUrl(sigv2(String(inTwoHours - 1)), {}, NOW), 'minPresignedValiditySeconds')
})

t.test('minPresignedValiditySeconds: a custom minimum', async t => {
  const policy: UrlPolicy = { minPresignedValiditySeconds: 600 }
  t.equal(checkVideoUrl(aws('20261124T120000Z', '600'), policy, NOW), null, 'exactly 600 s')
  t.equal(checkVideoUrl(aws('20261124T120000Z', '3600'), policy, NOW), null, 'below the default, above the custom one')
  assertRefused(t, checkVideoUrl(aws('20261124T120000Z', '599'), policy, NOW), 'minPresignedValiditySeconds', /less than 600 s/)
  const strict: UrlPolicy = { minPresignedValiditySeconds: 86_400 }
  assertRefused(t, checkVideoUrl(aws('20261124T120000Z', '7200'), strict, NOW), 'minPresignedValiditySeconds', /less than 86400 s/)
  t.equal(checkVideoUrl(aws('20261124T120000Z', '0'), { minPresignedValiditySeconds: 0 }, NOW), null, 'a zero minimum accepts a URL valid until now')
})

t.test('a malformed presigned URL is refused as unreadable', async t => {
  assertRefused(t, checkVideoUrl(aws('2026-11-24T12:00:00Z', '86400'), {}, NOW), 'minPresignedValiditySeconds', /an unreadable time/)
  assertRefused(t, checkVideoUrl(aws('20261124T120000Z', 'forever'), {}, NOW), 'minPresignedValiditySeconds', /an unreadable time/)
  assertRefused(t, checkVideoUrl(gcs('', '86400'), {}, NOW), 'minPresignedValiditySeconds', /an unreadable time/)
})

t.test('a URL that is not presigned passes', async t => {
  t.equal(checkVideoUrl('https://cdn.example.com/videos/in.mp4', {}, NOW), null)
  t.equal(checkVideoUrl('https://cdn.example.com/videos/in.mp4?v=2', { minPresignedValiditySeconds: 86_400 }, NOW), null)
})

t.test('rules are checked in order: scheme, host, then expiry', async t => {
  const policy: UrlPolicy = { allowedHosts: ['.example.com'] }
  assertRefused(t, checkVideoUrl('http://evil.net/v.mp4?X-Amz-Date=20261124T120000Z&X-Amz-Expires=1', policy, NOW), 'httpsOnly')
  assertRefused(t, checkVideoUrl('https://evil.net/v.mp4?X-Amz-Date=20261124T120000Z&X-Amz-Expires=1', policy, NOW), 'allowedHosts')
  assertRefused(t, checkVideoUrl('https://a.example.com/v.mp4?X-Amz-Date=20261124T120000Z&X-Amz-Expires=1', policy, NOW), 'minPresignedValiditySeconds')
  t.equal(checkVideoUrl('https://a.example.com/v.mp4?X-Amz-Date=20261124T120000Z&X-Amz-Expires=7200', policy, NOW), null)
})
