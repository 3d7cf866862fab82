// Uploaded videos. An upload answers 201 at once with `file: null`; the file appears uploadReadyMs later, as
// upstream's copy to cloud storage does. Only real videos are accepted (content type or container signature).
import type { FastifyRequest } from 'fastify'
import { accountOf } from '../auth.ts'
import { pathId, viewContext, type SimApp, type SimulatorContext } from '../context.ts'
import { detailError, fieldError, notFound } from '../errors.ts'
import type { VideoRecord } from '../records.ts'
import { factsOrDefaults, sniffContainer } from '../video-probe.ts'
import { videoView } from '../views.ts'
import { listPage } from './lists.ts'

function findVideo (ctx: SimulatorContext, request: FastifyRequest<{ Params: { id: string } }>): VideoRecord {
  const id = pathId(request.params.id)
  const video = id === null ? undefined : ctx.sim.videoOf(accountOf(request), id)
  if (!video) throw notFound()
  return video
}

// DRF answers a body it cannot parse with ParseError (400), never a 500: a truncated or malformed multipart body
async function readUpload (request: FastifyRequest) {
  try {
    const file = await request.file()
    return file ? { file, bytes: await file.toBuffer() } : null
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode) throw err
    throw detailError(400, `Multipart form parse error - ${(err as Error).message}`)
  }
}

export function videoRoutes (app: SimApp, ctx: SimulatorContext) {
  app.get('/videos/', async (request) => {
    const account = accountOf(request)
    const view = viewContext(ctx, request)
    const videos = [...ctx.sim.videos.values()].filter(video => video.owner === account && video.deletedAt === null)
    return listPage(request, videos, video => videoView(view, video), { maxPageSize: ctx.sim.behaviour.maxPageSize })
  })

  app.post('/videos/', async (request, reply) => {
    if (!request.isMultipart()) {
      throw detailError(415, `Unsupported media type "${request.headers['content-type'] ?? ''}" in request.`)
    }
    const upload = await readUpload(request)
    if (!upload || upload.file.fieldname !== 'file') throw fieldError('file', 'No file was submitted.')
    const { file, bytes } = upload
    if (!bytes.length) throw fieldError('file', 'The submitted file is empty.')
    if (!file.mimetype.toLowerCase().startsWith('video/') && !sniffContainer(bytes)) {
      throw fieldError('file', 'Upload a valid video. The file you uploaded was either not a video or a corrupted video.')
    }
    const video = ctx.sim.addUpload(accountOf(request), {
      name: file.filename || 'video',
      facts: factsOrDefaults(bytes),
      size: bytes.length,
      bytes,
      contentType: file.mimetype,
      externalUrl: null
    })
    return reply.code(201).send(videoView(viewContext(ctx, request), video))
  })

  app.get<{ Params: { id: string } }>('/videos/:id/', async (request) => {
    return videoView(viewContext(ctx, request), findVideo(ctx, request))
  })

  app.delete<{ Params: { id: string } }>('/videos/:id/', async (request, reply) => {
    ctx.sim.deleteVideo(findVideo(ctx, request))
    return reply.code(204).send()
  })
}
