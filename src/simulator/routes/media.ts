// /media/: the simulator's stand-in for upstream's object store. Links expire and refuse an Authorization header
// as S3 presigned URLs do. Bodies are stand-ins: an output video is served as its source's bytes.
import type { FastifyReply } from 'fastify'
import { pathId, type SimApp, type SimulatorContext } from '../context.ts'
import type { MediaKind } from '../media.ts'
import { THUMBNAIL_NAME } from '../views.ts'

const THUMBNAIL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64')

function s3Error (reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).type('application/xml')
    .send(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`)
}

interface MediaParams { kind: string, id: string, name: string }

export function mediaRoutes (app: SimApp, ctx: SimulatorContext) {
  app.get<{ Params: MediaParams, Querystring: Record<string, string | undefined> }>('/media/:kind/:id/:name', async (request, reply) => {
    const { kind, name } = request.params
    const id = pathId(request.params.id)
    if ((kind !== 'videos' && kind !== 'restored-videos') || id === null) return s3Error(reply, 404, 'NoSuchKey', 'The specified key does not exist.')
    if (request.headers.authorization) {
      return s3Error(reply, 400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified')
    }
    const check = ctx.signer.check({ kind: kind as MediaKind, id, name }, request.query, ctx.sim.now())
    if (check === 'bad-signature') return s3Error(reply, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.')
    if (check === 'expired') return s3Error(reply, 403, 'AccessDenied', 'Request has expired')
    const source = kind === 'videos' ? ctx.sim.videos.get(id) : ctx.sim.restored.get(id)?.job.input
    const live = kind === 'videos' ? source?.deletedAt === null : ctx.sim.restored.get(id)?.deletedAt === null
    if (!source || !live) return s3Error(reply, 404, 'NoSuchKey', 'The specified key does not exist.')
    if (name === THUMBNAIL_NAME) return reply.type('image/png').send(THUMBNAIL_PNG)
    return reply.type(source.contentType).send(Buffer.from(source.bytes))
  })
}
