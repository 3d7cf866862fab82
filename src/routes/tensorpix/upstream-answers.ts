// How TensorPix's answers reach our clients. Client errors pass through untouched (they describe the client's
// request); our own credential problems, upstream outages and throttling become gateway answers that never echo
// upstream authentication detail.
import { TensorpixError } from './errors.ts'
import type { UpstreamFailure, UpstreamResponse } from '../../upstream/client.ts'

const DEFAULT_RETRY_AFTER_S = '5'

export function answerFor (res: UpstreamResponse): TensorpixError {
  if (res.status === 401 || res.status === 403) {
    return new TensorpixError(502, { detail: 'The gateway could not authenticate with TensorPix; the operators have been alerted.' })
  }
  if (res.status === 429) {
    const retryAfter = String(res.headers['retry-after'] ?? DEFAULT_RETRY_AFTER_S)
    return new TensorpixError(429, { detail: 'TensorPix is throttling requests; retry later.' }, { 'retry-after': retryAfter })
  }
  if (res.status >= 500) {
    return new TensorpixError(502, { detail: `TensorPix failed to answer the request (HTTP ${res.status}); retry later.` })
  }
  const body = res.body && typeof res.body === 'object' ? res.body as Record<string, unknown> : { detail: 'Request refused by TensorPix.' }
  return new TensorpixError(res.status, body)
}

export function answerForFailure (failure: UpstreamFailure): TensorpixError {
  if (failure.kind === 'timeout') return new TensorpixError(504, { detail: 'TensorPix did not answer in time.' })
  if (failure.kind === 'saturated') {
    return new TensorpixError(503, { detail: 'The gateway is at its TensorPix capacity; retry shortly.' }, { 'retry-after': '1' })
  }
  return new TensorpixError(502, { detail: 'TensorPix could not be reached.' })
}
