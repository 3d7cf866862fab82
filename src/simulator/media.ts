// Presigned-style media URLs. Upstream's `file`/`thumbnail` links point at an object store, expire, and must be
// fetched without the API token; the simulator serves them itself under /media/ with the same properties.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export type MediaKind = 'videos' | 'restored-videos'

export interface MediaRef {
  kind: MediaKind
  id: number
  name: string
}

function amzDate (ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

function parseAmzDate (value: string): number {
  const m = value.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/)
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : NaN
}

export type MediaCheck = 'ok' | 'expired' | 'bad-signature'

export function createMediaSigner (ttlSeconds: number, secret: Buffer = randomBytes(32)) {
  const sign = (ref: MediaRef, date: string, expires: string) =>
    createHmac('sha256', secret).update(`${ref.kind}/${ref.id}/${ref.name}/${date}/${expires}`).digest('hex')

  return {
    url (origin: string, ref: MediaRef, now: number): string {
      const date = amzDate(now)
      const expires = String(ttlSeconds)
      const query = new URLSearchParams({ 'X-Amz-Date': date, 'X-Amz-Expires': expires, 'X-Amz-Signature': sign(ref, date, expires) })
      return `${origin}/media/${ref.kind}/${ref.id}/${encodeURIComponent(ref.name)}?${query.toString()}`
    },
    check (ref: MediaRef, query: Record<string, string | undefined>, now: number): MediaCheck {
      const date = query['X-Amz-Date'] ?? ''
      const expires = query['X-Amz-Expires'] ?? ''
      const given = Buffer.from(query['X-Amz-Signature'] ?? '', 'hex')
      const expected = Buffer.from(sign(ref, date, expires), 'hex')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad-signature'
      return now > parseAmzDate(date) + Number(expires) * 1000 ? 'expired' : 'ok'
    }
  }
}

export type MediaSigner = ReturnType<typeof createMediaSigner>
