// A webhook receiver on 127.0.0.1 (plain http: the gateway under test runs with OUTBOUND_ALLOW_LOOPBACK), recording
// every request; `answer` decides each status, so tests can fail deliveries or redirect them. `verify` is the
// receiver-side check from the README, written independently of the gateway's signing code.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Teardown } from './teardown.ts'

export interface Received { path: string, headers: IncomingHttpHeaders, body: string, json: Record<string, unknown> }

export interface Receiver {
  url (path?: string): string
  port: number
  received: Received[]
  /** the answer to each request; 'hang' never answers */
  answer: (request: Received, index: number) => { status: number, headers?: Record<string, string> } | 'hang'
}

export async function startReceiver (t: Teardown): Promise<Receiver> {
  const receiver: Receiver = { url: () => '', port: 0, received: [], answer: () => ({ status: 204 }) }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', chunk => chunks.push(chunk as Buffer))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let json: Record<string, unknown> = {}
      try { json = JSON.parse(body) as Record<string, unknown> } catch {}
      const request = { path: req.url ?? '/', headers: req.headers, body, json }
      receiver.received.push(request)
      const answer = receiver.answer(request, receiver.received.length - 1)
      if (answer !== 'hang') res.writeHead(answer.status, answer.headers).end()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  receiver.port = (server.address() as AddressInfo).port
  receiver.url = (path = '/hook') => `http://127.0.0.1:${receiver.port}${path}`
  t.teardown(() => new Promise<void>(resolve => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  return receiver
}

/** README, "Verifying a signature": HMAC-SHA-256 over `${t}.${body}`, constant-time compare, 5-minute tolerance. */
export function verify (
  secret: string,
  header: string | undefined,
  body: string,
  nowS = Math.floor(Date.now() / 1000)
): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map(p => p.split('=', 2) as [string, string]))
  const t = Number(parts.t)
  if (!Number.isInteger(t) || Math.abs(nowS - t) > 300 || !parts.v1) return false
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest()
  const given = Buffer.from(parts.v1, 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}
