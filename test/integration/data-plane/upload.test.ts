// Uploads stream through the gateway: bytes reach TensorPix before the client has finished sending, unchanged, with
// flat memory; a team's size limit is enforced with and without Content-Length; the upload is recorded as the
// team's and listed for it alone.
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildTestGateway, listen, TEST_MASTER_TOKEN } from '../../helpers/gateway.ts'
import { makeKey, makeTeam } from '../../helpers/factories.ts'
import { dataPlaneBed } from '../../helpers/data-plane-bed.ts'
import { fixtureBytes, multipartBody } from '../../helpers/video-server.ts'

const MB = 1024 * 1024

/** A stand-in TensorPix that only takes uploads: counts and hashes what arrives, answers 201 at the end. */
async function uploadSink (t: Test) {
  const state = { received: 0, hash: '', contentType: '', contentLength: undefined as string | undefined, authorization: '' }
  const server = createServer((req, res) => {
    state.authorization = req.headers.authorization ?? ''
    state.contentType = req.headers['content-type'] ?? ''
    state.contentLength = req.headers['content-length']
    const hash = createHash('sha256')
    req.on('data', (chunk: Buffer) => {
      state.received += chunk.length
      hash.update(chunk)
    })
    req.on('end', () => {
      state.hash = hash.digest('hex')
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 5001, name: 'big.mp4', size: state.received, file: null }))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, state }
}
/** A multipart upload generated on the fly: the client never holds the whole file either. */
function streamedUpload (fileBytes: number, gate?: { at: number, open: Promise<void> }) {
  const boundary = '----tpx-stream-boundary'
  const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.mp4"\r\ncontent-type: video/mp4\r\n\r\n`)
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const chunk = Buffer.alloc(64 * 1024, 7)
  const hash = createHash('sha256')
  let sent = 0
  let headSent = false
  const body = new ReadableStream<Uint8Array>({
    async pull (controller) {
      if (!headSent) {
        headSent = true
        hash.update(head)
        controller.enqueue(head)
        return
      }
      if (sent >= fileBytes) {
        hash.update(tail)
        controller.enqueue(tail)
        controller.close()
        return
      }
      if (gate && sent >= gate.at) await gate.open
      const piece = chunk.subarray(0, Math.min(chunk.length, fileBytes - sent))
      sent += piece.length
      hash.update(piece)
      controller.enqueue(new Uint8Array(piece))
    }
  })
  return {
    body,
    contentType: `multipart/form-data; boundary=${boundary}`,
    totalBytes: head.length + fileBytes + tail.length,
    digest: () => hash.digest('hex'),
    sent: () => sent
  }
}

t.test('an upload streams through: TensorPix gets bytes before the client has sent them all, unchanged', async t => {
  const sink = await uploadSink(t)
  const gw = await buildTestGateway(t, { upstream: { baseUrl: sink.url, token: TEST_MASTER_TOKEN, simulated: true } })
  const origin = await listen(gw)
  const team = await makeTeam(gw.db)
  const key = await makeKey(gw.db, { teamId: team.id, scopes: ['jobs:read', 'jobs:write'] })

  const size = 32 * MB
  let open = () => {}
  const gate = { at: 8 * MB, open: new Promise<void>(resolve => { open = resolve }) }
  const upload = streamedUpload(size, gate)
  const rssBefore = process.memoryUsage().rss
  const answer = fetch(`${origin}/api/videos/`, {
    method: 'POST',
    headers: { authorization: `Token ${key.key}`, 'content-type': upload.contentType },
    body: upload.body,
    duplex: 'half'
  } as RequestInit & { duplex: 'half' })

  // the client stops after 8 MB until TensorPix has seen data: a gateway that buffered the body would never forward
  const deadline = Date.now() + 10_000
  while (sink.state.received < 4 * MB && Date.now() < deadline) await sleep(20)
  t.ok(sink.state.received >= 4 * MB, `TensorPix received ${(sink.state.received / MB).toFixed(1)} MB while the client had sent ${(upload.sent() / MB).toFixed(1)} MB of ${size / MB}`)
  t.ok(upload.sent() < size, 'before the client finished')
  open()

  const res = await answer
  t.equal(res.status, 201)
  t.same(await res.json(), { id: 5001, name: 'big.mp4', size: upload.totalBytes, file: null }, 'TensorPix\'s answer is passed on')
  t.equal(sink.state.received, upload.totalBytes, 'every byte arrived')
  t.equal(sink.state.hash, upload.digest(), 'unchanged')
  t.equal(sink.state.contentType, upload.contentType, 'with the client\'s boundary')
  t.equal(sink.state.contentLength, undefined, 'chunked in, chunked out')
  t.equal(sink.state.authorization, `Token ${TEST_MASTER_TOKEN}`, 'with the master token, not the team key')
  // informational only: client, gateway and sink share this process, so RSS cannot isolate the gateway; the gate
  // above is what proves the body is not buffered
  t.comment(`RSS grew by ${((process.memoryUsage().rss - rssBefore) / MB).toFixed(1)} MB during a ${size / MB} MB upload`)

  const owned = await gw.db.mediaObject.findMany({ where: { teamId: team.id } })
  t.match(owned, [{ kind: 'video', upstreamId: 5001, deletedAt: null }], 'the ownership record is written')
})

t.test('the team\'s size limit: 413 with or without Content-Length, nothing recorded', async t => {
  const bed = await dataPlaneBed(t, { team: { maxUploadBytes: BigInt(MB) } })
  const before = await bed.sim.account()

  const declared = multipartBody({}, [{ field: 'file', filename: 'big.mp4', type: 'video/mp4', content: Buffer.alloc(2 * MB, 1) }])
  const withLength = await bed.api.post('/api/videos/', { multipart: declared })
  t.equal(withLength.status, 413, 'declared too large: refused up front')
  t.match(withLength.body, { detail: /limit of 1048576 bytes/, request_id: String })

  const upload = streamedUpload(3 * MB)
  const res = await fetch(`${bed.origin}/api/videos/`, {
    method: 'POST',
    headers: { authorization: `Token ${bed.key.key}`, 'content-type': upload.contentType },
    body: upload.body,
    duplex: 'half'
  } as RequestInit & { duplex: 'half' }).catch((err: unknown) => err as Error)
  t.ok(!(res instanceof Error), `an answer, not a broken connection (${res instanceof Error ? String(res.cause ?? res) : 'ok'})`)
  if (!(res instanceof Error)) {
    t.equal(res.status, 413, 'chunked and too large: refused once the limit is crossed')
    t.match(await res.json(), { detail: /limit of 1048576 bytes/, request_id: String })
  }

  // the refused body was never read to its end: the next request on the same keep-alive pool must not queue behind it
  const started = performance.now()
  const next = await Promise.race([bed.api.get('/api/jobs/'), sleep(5000).then(() => null)])
  t.equal(next?.status, 200, `the client's next request is answered (${(performance.now() - started).toFixed(0)} ms)`)

  t.equal(await bed.gw.db.mediaObject.count({ where: { teamId: bed.team.id } }), 0, 'nothing recorded')
  t.equal((await bed.sim.account()).videos, before.videos, 'nothing stored at TensorPix')

  // within the limit is fine
  const small = await bed.api.post('/api/videos/', {
    multipart: multipartBody({}, [{ field: 'file', filename: 'small.mp4', type: 'video/mp4', content: fixtureBytes('clip-320x180-24fps-48f.mp4') }])
  })
  t.equal(small.status, 201)
})

t.test('an upload belongs to the team that made it', async t => {
  const bed = await dataPlaneBed(t)
  const other = await bed.newTeam()
  const res = await bed.api.post('/api/videos/', {
    multipart: multipartBody({}, [{ field: 'file', filename: 'mine.mp4', type: 'video/mp4', content: fixtureBytes('clip-320x180-24fps-48f.mp4') }])
  })
  t.equal(res.status, 201)
  t.match(res.body, { id: Number, name: 'mine.mp4', width: 320, height: 180, n_frames: 48 })
  const row = await bed.gw.db.mediaObject.findFirstOrThrow({ where: { upstreamId: Number(res.body.id) } })
  t.match(row, { teamId: bed.team.id, kind: 'video', deletedAt: null, snapshot: { id: res.body.id, name: 'mine.mp4' } })
  t.same((await bed.api.get('/api/videos/')).list.map(v => v.id), [res.body.id], 'listed for the team')
  t.same((await other.api.get('/api/videos/')).list, [], 'not for another team')
  t.equal((await other.api.get(`/api/videos/${String(res.body.id)}/`)).status, 404)

  const wrongType = await bed.api.post('/api/videos/', { raw: 'hello', contentType: 'text/plain' })
  t.equal(wrongType.status, 415)
  t.match(wrongType.body, { detail: 'Unsupported media type "text/plain" in request.', request_id: String })
})
