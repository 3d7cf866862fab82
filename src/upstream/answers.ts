// How TensorPix's answers reach our clients. Client errors pass through untouched (they describe the client's
// request); our own credential problems, upstream outages and throttling become gateway answers that never echo
// upstream authentication detail.
import { GatewayError } from '../errors/gateway-error.ts'
import type { UpstreamFailure, UpstreamResponse } from './client.ts'

const DEFAULT_RETRY_AFTER_S = '5'

// The job records why a create was refused: TensorPix's detail, or "validation error" for its field-by-field
// ValidationError. A body that is not JSON is not passed on.
function refusal (res: UpstreamResponse): GatewayError {
  if (!res.body || typeof res.body !== 'object') return new GatewayError('upstream_refused', res.status)
  const body = res.body as Record<string, unknown>
  const detail = typeof body.detail === 'string' ? body.detail : 'validation error'
  return new GatewayError('upstream_refused', res.status, detail).with({ upstreamBody: body })
}

// TensorPix says the one master account every team shares cannot pay: 402, or (as its docs describe it) a 400 whose
// account-level message (detail or non_field_errors, never a field's error) speaks of credits or the balance. It is
// no refusal of the team's request, and its wording shows the shared account's balance, so it is never passed on.
const CREDITS_WORDING = /\bcredits?\b|\bbalance\b/i

function accountMessages (body: unknown): string[] {
  if (!body || typeof body !== 'object') return []
  const { detail, non_field_errors: nonField } = body as { detail?: unknown, non_field_errors?: unknown }
  return [detail, ...(Array.isArray(nonField) ? nonField : [])].filter((m): m is string => typeof m === 'string')
}

/** Whether an answer says the shared TensorPix account is out of credits. Pure; exported for unit tests. */
export function isAccountOutOfCredits (res: Pick<UpstreamResponse, 'status' | 'body'>): boolean {
  if (res.status === 402) return true
  return res.status === 400 && accountMessages(res.body).some(m => CREDITS_WORDING.test(m))
}

export function answerFor (res: UpstreamResponse): GatewayError {
  if (res.status === 401 || res.status === 403) return new GatewayError('upstream_auth_failed')
  if (isAccountOutOfCredits(res)) return new GatewayError('upstream_out_of_credits')
  if (res.status === 429) {
    const retryAfter = String(res.headers['retry-after'] ?? DEFAULT_RETRY_AFTER_S)
    return new GatewayError('upstream_throttled').with({ headers: { 'retry-after': retryAfter } })
  }
  if (res.status >= 500) return new GatewayError('upstream_failed', res.status)
  return refusal(res)
}

export function answerForFailure (failure: UpstreamFailure): GatewayError {
  if (failure.kind === 'timeout') return new GatewayError('upstream_timeout')
  if (failure.kind === 'saturated') {
    return new GatewayError('upstream_saturated').with({ headers: { 'retry-after': '1' } })
  }
  return new GatewayError('upstream_unreachable')
}
