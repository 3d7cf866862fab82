// A loopback file server for from-url sources: serves test/fixtures/videos/* with their real content types, answers
// HEAD and single byte ranges (the simulator probes a source with HEAD, then a ranged GET), and counts requests.
import { readFileSync, readdirSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Teardown } from './teardown.ts'

export const VIDEO_FIXTURES = new URL('../fixtures/videos/', import.meta.url)

const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  txt: 'text/plain'
}

export const fixtureBytes = (name: string): Buffer => readFileSync(new URL(name, VIDEO_FIXTURES))

export function contentTypeOf (name: string): string {
  return TYPES[name.split('.').at(-1) ?? ''] ?? 'application/octet-stream'
}

export interface VideoServer {
  /** http://127.0.0.1:<port>/<name> */
  url (name: string): string
  requests: Array<{ method: string, path: string, range: string | undefined }>
  close (): Promise<void>
}

export async function startVideoServer (t?: Teardown): Promise<VideoServer> {
  const files = new Map<string, Buffer>()
  for (const name of readdirSync(VIDEO_FIXTURES)) files.set(`/${name}`, fixtureBytes(name))
  const requests: VideoServer['requests'] = []
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')
    requests.push({ method: req.method ?? '', path, range: req.headers.range })
    const body = files.get(path)
    if (!body || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    const type = contentTypeOf(path)
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    if (range && req.method === 'GET') {
      const start = Number(range[1])
      const end = Math.min(range[2] ? Number(range[2]) : body.length - 1, body.length - 1)
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end()
        return
      }
      res.writeHead(206, {
        'content-type': type,
        'accept-ranges': 'bytes',
        'content-range': `bytes ${start}-${end}/${body.length}`,
        'content-length': end - start + 1
      })
      res.end(body.subarray(start, end + 1))
      return
    }
    res.writeHead(200, { 'content-type': type, 'accept-ranges': 'bytes', 'content-length': body.length })
    res.end(req.method === 'HEAD' ? undefined : body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const close = () => new Promise<void>(resolve => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
  t?.teardown(close)
  return { url: name => `http://127.0.0.1:${port}/${name}`, requests, close }
}

/** A multipart/form-data body: plain fields (repeat a name with an array) and optional file parts. */
export function multipartBody (
  fields: Record<string, string | string[]>,
  files: Array<{ field: string, filename: string, type: string, content: Buffer }> = [],
  boundary = `----tpx-test-${Math.random().toString(36).slice(2)}`
): { payload: Buffer, contentType: string } {
  const parts: Buffer[] = []
  for (const [name, values] of Object.entries(fields)) {
    for (const value of [values].flat()) {
      parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
    }
  }
  for (const file of files) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\n` +
      `content-type: ${file.type}\r\n\r\n`), file.content, Buffer.from('\r\n'))
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}
