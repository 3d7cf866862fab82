import t from 'tap'
import { createMediaSigner } from '../../src/simulator/media.ts'
import { checkSource, hostingPlatform } from '../../src/simulator/source-url.ts'
import { sourceServer } from './helpers.ts'

t.test('hosting pages are recognised by domain', async t => {
  for (const [url, name] of [
    ['https://www.youtube.com/watch?v=x', 'YouTube'], ['https://youtu.be/x', 'YouTube'], ['https://m.youtube.com/x', 'YouTube'],
    ['https://vimeo.com/1', 'Vimeo'], ['https://player.vimeo.com/video/1', 'Vimeo'], ['https://www.instagram.com/reel/x', 'Instagram'],
    ['https://www.tiktok.com/@a/video/1', 'TikTok'], ['https://x.com/a/status/1', 'X (Twitter)']
  ] as const) t.equal(hostingPlatform(new URL(url)), name, url)
  for (const url of ['https://cdn.example.com/v.mp4', 'https://bucket.s3.amazonaws.com/v.mp4', 'https://notyoutube.com/v.mp4']) {
    t.equal(hostingPlatform(new URL(url)), null, url)
  }
})

t.test('fetching sources from a loopback server', async t => {
  const server = await sourceServer(t)
  const check = (path: string, timeoutMs = 2000) => checkSource(new URL(server.url(path)), { timeoutMs })

  t.match(await check('/clip.mp4'), { ok: true, contentType: 'video/mp4', size: 10500 })
  t.match(await check('/clip.mkv'), { ok: true, size: 100123 })
  t.match(await check('/clip.mov'), { ok: true })
  t.match(await check('/octet-stream.mp4'), { ok: true, contentType: 'application/octet-stream' }, 'signature without a video type')
  t.match(await check('/presigned.mp4'), { ok: true }, 'HEAD refused (GET-only presigned URL) is not decisive')
  t.match(await check('/text-as-video.mp4'), { ok: true }, 'a video/* type is enough')
  t.match(await check('/not-a-video.txt'), { ok: false, reason: /text\/plain/ })
  t.match(await check('/missing.mp4'), { ok: false, reason: /404/ })
  t.match(await check('/error.mp4'), { ok: false, reason: /500/ })
  t.match(await check('/stall.mp4', 200), { ok: false, reason: /no answer within 200 ms/ })
  t.match(await checkSource(new URL('ftp://example.com/v.mp4'), { timeoutMs: 100 }), { ok: false, reason: /scheme/ })

  const asked = server.requests.filter(r => r.path === '/clip.mp4')
  t.same(asked.map(r => r.method), ['HEAD', 'GET'])
  t.equal(asked[1]?.range, 'bytes=0-262143', 'only the head is fetched')
})

t.test('media links are signed, expire and reject tampering', async t => {
  const signer = createMediaSigner(60)
  const ref = { kind: 'videos' as const, id: 5001, name: 'a b.mp4' }
  const url = new URL(signer.url('http://h:1', ref, Date.UTC(2026, 0, 1)))
  t.equal(url.pathname, '/media/videos/5001/a%20b.mp4')
  const query = Object.fromEntries(url.searchParams)
  t.equal(signer.check(ref, query, Date.UTC(2026, 0, 1, 0, 1)), 'ok')
  t.equal(signer.check(ref, query, Date.UTC(2026, 0, 1, 0, 1, 1)), 'expired')
  t.equal(signer.check({ ...ref, id: 5002 }, query, Date.UTC(2026, 0, 1)), 'bad-signature')
  t.equal(signer.check(ref, { ...query, 'X-Amz-Expires': '99999' }, Date.UTC(2026, 0, 1)), 'bad-signature')
  t.equal(signer.check(ref, {}, 0), 'bad-signature')
})
