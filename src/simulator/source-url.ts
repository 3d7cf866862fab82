// from-url sources: TensorPix takes direct video URLs only. Hosting pages are refused by name; anything else is
// fetched (HEAD, then a ranged GET of the head) and must look like a video, as upstream's "cannot be parsed" rule.
import { sniffContainer } from './video-probe.ts'

const HOSTING_SITES: Record<string, string> = {
  'youtube.com': 'YouTube',
  'youtu.be': 'YouTube',
  'youtube-nocookie.com': 'YouTube',
  'vimeo.com': 'Vimeo',
  'instagram.com': 'Instagram',
  'tiktok.com': 'TikTok',
  'facebook.com': 'Facebook',
  'fb.watch': 'Facebook',
  'twitter.com': 'X (Twitter)',
  'x.com': 'X (Twitter)',
  'dailymotion.com': 'Dailymotion',
  'dai.ly': 'Dailymotion',
  'twitch.tv': 'Twitch',
  'reddit.com': 'Reddit',
  'v.redd.it': 'Reddit',
  'streamable.com': 'Streamable',
  'bilibili.com': 'Bilibili',
  'vk.com': 'VK'
}

export const NOT_A_VIDEO = 'The URL cannot be parsed as a video.'

/** The hosting platform a URL belongs to (YouTube, Vimeo …), or null for anything else. */
export function hostingPlatform (url: URL): string | null {
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  for (const [domain, name] of Object.entries(HOSTING_SITES)) {
    if (host === domain || host.endsWith(`.${domain}`)) return name
  }
  return null
}

/**
 * [I] A source URL as a normalising TensorPix would store it: the WHATWG serialisation (lower-case scheme and host,
 * IDN hosts in punycode, default port dropped, dot segments resolved, an empty path as '/', characters outside the
 * URL code points percent-encoded) without the fragment, which never reaches the server anyway.
 */
export function normalisedSourceUrl (url: URL): string {
  const copy = new URL(url.href)
  copy.hash = ''
  return copy.href
}

export type SourceCheck =
  | { ok: true, size: number | null, contentType: string | null, head: Uint8Array }
  | { ok: false, reason: string }

export interface FetchOptions {
  timeoutMs: number
  /** How much of the file to read for the headers. */
  headBytes?: number
}

const DEFAULT_HEAD_BYTES = 256 * 1024

function isVideoType (contentType: string | null): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase().startsWith('video/') ?? false
}

function totalSize (response: Response): number | null {
  const range = response.headers.get('content-range')?.match(/\/(\d+)$/)
  const length = range?.[1] ?? (response.status === 200 ? response.headers.get('content-length') : null)
  return length ? Number(length) : null
}

async function readHead (response: Response, limit: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array()
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  while (length < limit) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    length += value.length
  }
  await reader.cancel().catch(() => undefined)
  return Buffer.concat(chunks).subarray(0, limit)
}

/**
 * Fetches a source URL the way TensorPix would before accepting a job. HEAD alone decides nothing: presigned S3 URLs
 * are signed for GET and answer HEAD with 403, so the ranged GET is what counts.
 */
export async function checkSource (url: URL, options: FetchOptions): Promise<SourceCheck> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `unsupported scheme ${url.protocol}` }
  const signal = AbortSignal.timeout(options.timeoutMs)
  const headBytes = options.headBytes ?? DEFAULT_HEAD_BYTES
  try {
    const head = await fetch(url, { method: 'HEAD', signal, redirect: 'follow' }).catch(() => null)
    const response = await fetch(url, { headers: { range: `bytes=0-${headBytes - 1}` }, signal, redirect: 'follow' })
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel().catch(() => undefined)
      return { ok: false, reason: `source answered ${response.status}` }
    }
    const bytes = await readHead(response, headBytes)
    const contentType = response.headers.get('content-type')
    if (!isVideoType(contentType) && !sniffContainer(bytes)) return { ok: false, reason: `content type ${contentType ?? 'missing'} and no video signature` }
    const headSize = head?.ok ? Number(head.headers.get('content-length') ?? NaN) : NaN
    const size = totalSize(response) ?? (Number.isFinite(headSize) ? headSize : null)
    return { ok: true, size, contentType, head: bytes }
  } catch (err) {
    return { ok: false, reason: signal.aborted ? `no answer within ${options.timeoutMs} ms` : String(err) }
  }
}
