// Uploads are streamed: the client's multipart body goes to TensorPix byte for byte (same boundary, same length),
// so memory stays flat whatever the file size. A counting transform enforces the team's size limit even when the
// client sends no Content-Length.
import { pipeline, Transform } from 'node:stream'
import type { FastifyRequest } from 'fastify'
import type { Answer, TensorpixApi } from '../../upstream/tensorpix.ts'
import type { MediaObject } from '../../tensorpix/jobs.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { callerOf, passThrough } from './forward.ts'

// The client may still be sending when we refuse: the answer closes the connection, or a keep-alive client's next
// request would queue behind a request body nobody reads any more.
const tooLarge = (limit: number) =>
  new GatewayError('upload_too_large', limit).with({ headers: { connection: 'close' } })

function sizeLimit (limit: number) {
  let seen = 0
  return new Transform({
    transform (chunk: Buffer, _encoding, done) {
      seen += chunk.length
      if (seen > limit) return done(tooLarge(limit))
      done(null, chunk)
    }
  })
}

export async function streamUpload (
  upstream: TensorpixApi,
  request: FastifyRequest,
  limit: number
): Promise<Answer<MediaObject>> {
  const declared = Number(request.headers['content-length'] ?? NaN)
  if (declared > limit) throw tooLarge(limit)
  // pipeline, not pipe: a client that hangs up must end the upstream call too, or it would hold its upstream slot
  // (and connection) for good, the body neither ending nor failing
  const body = sizeLimit(limit)
  pipeline(request.raw, body, () => {})
  const abandoned = new AbortController()
  request.raw.once('close', () => { if (!request.raw.complete) abandoned.abort() })
  const failed = new Promise<never>((_resolve, reject) => body.once('error', reject))
  return Promise.race([
    passThrough(upstream.uploadVideo(body, {
      contentType: request.headers['content-type'] as string,
      ...(Number.isFinite(declared) ? { contentLength: declared } : {})
    }, { ...callerOf(request), signal: abandoned.signal })),
    failed
  ])
}
