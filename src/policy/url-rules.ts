// URL policy: pure checks of a video_url against a team's rules. Each refusal names its rule.
export interface UrlPolicy {
  allowedHosts?: string[]
  httpsOnly?: boolean
  minPresignedValiditySeconds?: number
}

export interface Refusal { rule: string, field: string, message: string }

export const DEFAULT_MIN_PRESIGNED_VALIDITY_S = 7200

function hostAllowed (host: string, allowed: string[]): boolean {
  return allowed.some(entry => {
    const rule = entry.toLowerCase()
    return rule.startsWith('.') ? host.endsWith(rule) || host === rule.slice(1) : host === rule
  })
}

// 20261124T135900Z (AWS SigV4, GCS V4)
function parseCompactDate (value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (!m) return null
  const fields = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const at = new Date(Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]))
  // Date.UTC rolls impossible fields over (month 13, 31 February): such a date is unreadable, not a later one
  const roundTrip = [
    at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate(), at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds()
  ]
  return roundTrip.every((v, i) => v === fields[i]) ? at.getTime() : null
}

/** When a presigned URL stops working (ms since epoch), or null when it is not a presigned URL we recognise. */
export function presignedExpiry (url: URL): number | null {
  const q = url.searchParams
  for (const [dateKey, expiresKey] of [['X-Amz-Date', 'X-Amz-Expires'], ['X-Goog-Date', 'X-Goog-Expires']] as const) {
    const signed = q.get(dateKey)
    const seconds = q.get(expiresKey)
    if (signed === null || seconds === null) continue
    const start = parseCompactDate(signed)
    return start !== null && /^\d+$/.test(seconds) ? start + Number(seconds) * 1000 : 0
  }
  const legacy = q.get('Expires') // AWS SigV2: absolute epoch seconds
  return legacy !== null && /^\d+$/.test(legacy) ? Number(legacy) * 1000 : null
}

export function checkVideoUrl (raw: string, policy: UrlPolicy, now: Date): Refusal | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { rule: 'url', field: 'video_url', message: 'Enter a valid URL.' }
  }
  if ((policy.httpsOnly ?? true) && url.protocol !== 'https:') {
    return { rule: 'httpsOnly', field: 'video_url', message: 'Team policy (httpsOnly): only https:// video URLs are allowed.' }
  }
  if (policy.allowedHosts && !hostAllowed(url.hostname.toLowerCase(), policy.allowedHosts)) {
    return { rule: 'allowedHosts', field: 'video_url', message: `Team policy (allowedHosts): host ${url.hostname} is not allowed.` }
  }
  const expiry = presignedExpiry(url)
  const minimum = policy.minPresignedValiditySeconds ?? DEFAULT_MIN_PRESIGNED_VALIDITY_S
  if (expiry !== null && expiry - now.getTime() < minimum * 1000) {
    const when = expiry > 0 ? new Date(expiry).toISOString() : 'an unreadable time'
    return {
      rule: 'minPresignedValiditySeconds',
      field: 'video_url',
      message: `Team policy (minPresignedValiditySeconds): the presigned URL expires at ${when}, ` +
        `less than ${minimum} s from now; sign it for longer.`
    }
  }
  return null
}
