// /api/videos/ and /api/restored-videos/: the same three reads and a delete on two kinds of TensorPix object,
// filtered to the team through our ownership records; uploads stream through to TensorPix without buffering.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { MediaKind } from '../../generated/prisma/enums.ts'
import { findOwned, recordOwnership } from '../../jobs/media.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { callerOf, GONE, listFromRecords, passThrough } from './forward.ts'
import { teamOf, type DataPlaneDeps } from './context.ts'
import { detailResponse, errorResponses, Passthrough } from './schemas.ts'
import { IdParams, PageQuery } from '../../tensorpix/requests.ts'
import { streamUpload } from './upload.ts'

// path below the /api prefix the data plane is registered on
interface MediaOptions extends DataPlaneDeps { kind: MediaKind, path: '/videos/' | '/restored-videos/' }

const NAMES = {
  video: { list: 'videos_list', get: 'videos_retrieve', del: 'videos_destroy', what: 'uploaded video' },
  restored_video: { list: 'restored_videos_list', get: 'restored_videos_retrieve', del: 'restored_videos_destroy', what: 'enhanced video' }
} as const

export const mediaRoutes: FastifyPluginAsyncTypebox<MediaOptions> = async (app, options) => {
  const { db, kind, path, publicUrl, polls } = options
  const names = NAMES[kind]

  async function owned (request: FastifyRequest, upstreamId: number) {
    const object = await findOwned(db, teamOf(request).teamId, kind, upstreamId)
    if (!object) throw new GatewayError('not_found', `${names.what} ${upstreamId}`)
    return object
  }

  app.get(path, {
    schema: {
      tags: ['tensorpix'],
      operationId: names.list,
      summary: `List the team's ${names.what}s (from the gateway's records)`,
      querystring: PageQuery,
      response: { 200: Passthrough(`Paginated ${names.what} list`), ...errorResponses }
    }
  }, async request => {
    const where = { teamId: teamOf(request).teamId, kind, deletedAt: null }
    return listFromRecords({ request, query: request.query, publicUrl }, {
      count: () => db.mediaObject.count({ where }),
      rows: ({ limit, offset }) => db.mediaObject.findMany({
        where, orderBy: [{ createdAt: 'desc' }, { upstreamId: 'desc' }], skip: offset, take: limit
      }),
      stored: object => object.snapshot,
      // an upload's snapshot is its create answer
      refreshedAt: object => object.refreshedAt ?? (object.snapshot === null ? null : object.createdAt),
      // file URLs are presigned and expire: always worth reading again
      stale: () => true,
      // what TensorPix no longer has (a 404 or an empty answer) is left out
      refresh: async object => {
        const res = await passThrough(app.upstream.getMedia(kind, object.upstreamId, callerOf(request)), [404])
        if (res.status === 404 || res.body === null) return GONE
        await db.mediaObject.update({
          where: { id: object.id }, data: { snapshot: res.body as object, refreshedAt: new Date() }
        })
        return res.body
      }
    })
  })

  app.get(`${path}:id/`, {
    schema: {
      tags: ['tensorpix'],
      operationId: names.get,
      summary: `${names.what} details`,
      params: IdParams,
      response: { 200: Passthrough(names.what), ...errorResponses }
    }
  }, async request => {
    const object = await owned(request, request.params.id)
    return (await passThrough(app.upstream.getMedia(kind, object.upstreamId, callerOf(request)))).body
  })

  app.delete(`${path}:id/`, {
    schema: {
      tags: ['tensorpix'],
      operationId: names.del,
      summary: `Delete an ${names.what}`,
      params: IdParams,
      response: { 204: Type.Null(), 409: detailResponse, ...errorResponses }
    }
  }, async (request, reply) => {
    const object = await owned(request, request.params.id)
    await passThrough(app.upstream.deleteMedia(kind, object.upstreamId, callerOf(request)))
    // the jobs that show it (its job's output, a job's input) answer without it from now on
    polls.forgetMedia(kind, object.upstreamId)
    await db.mediaObject.update({ where: { id: object.id }, data: { deletedAt: new Date() } })
    return reply.code(204).send(null)
  })

  if (kind !== 'video') return

  // the upload body is passed to TensorPix as the raw stream it arrived as (see upload.ts)
  app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null))
  app.post(path, {
    // streamed for as long as bytes keep moving: no body deadline (src/http/limits.ts), the idle timeout applies
    config: { streamsBody: true },
    schema: {
      tags: ['tensorpix'],
      operationId: 'videos_create',
      summary: 'Upload a video (multipart field "file"), streamed to TensorPix',
      consumes: ['multipart/form-data'],
      response: { 201: Passthrough('Video'), 413: detailResponse, 415: detailResponse, ...errorResponses }
    }
  }, async (request, reply) => {
    if (!String(request.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      throw new GatewayError('unsupported_media_type')
    }
    const team = await db.team.findUniqueOrThrow({ where: { id: teamOf(request).teamId } })
    const limit = team.maxUploadBytes === null ? options.maxUploadBytes : Number(team.maxUploadBytes)
    const res = await streamUpload(app.upstream, request, limit)
    if (res.ok) await recordOwnership(db, { teamId: team.id, kind: 'video', upstreamId: res.body.id, snapshot: res.body })
    return reply.code(res.status).send(res.body)
  })
}
