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

// A create refused because the one master account every team shares cannot pay: 402, or (as TensorPix's docs
// describe it) a 400 with "an appropriate message". Which message carries it is not documented (detail,
// non_field_errors, or a field's list), so every message of the body is read; the wording must say the account falls
// short, since model names ("Auto Color Balance") and option errors ("Preview jobs cost no credits") speak of credits
// and balance too. It is no refusal of the team's request, and it shows the shared account's balance, so it is never
// passed on. Only creates spend credits: every other route's answer passes through untouched.
const SHORTFALL_WORDING = /\binsufficient\b|\bnot enough\b|\bexceed(s|ed)?\b|\btoo (low|small|little)\b|\bout of\b/i
const MONEY_WORDING = /\bcredits?\b|\bbalance\b|\bfunds?\b/i
// the account is only topped up by hand: a client retrying in seconds would only be refused again
const OUT_OF_CREDITS_RETRY_AFTER_S = '60'
// a validation body nests field lists under `errors` at most; deeper is no message of TensorPix's
const MESSAGE_DEPTH = 3

function messagesOf (value: unknown, depth = MESSAGE_DEPTH): string[] {
  if (typeof value === 'string') return [value]
  if (depth === 0 || !value || typeof value !== 'object') return []
  return Object.values(value).flatMap(inner => messagesOf(inner, depth - 1))
}

/** Whether a create's answer says the shared TensorPix account is out of credits. Pure; exported for unit tests. */
export function isAccountOutOfCredits (res: Pick<UpstreamResponse, 'status' | 'body'>): boolean {
  if (res.status === 402) return true
  if (res.status !== 400 || !res.body || typeof res.body !== 'object') return false
  return messagesOf(res.body).some(m => SHORTFALL_WORDING.test(m) && MONEY_WORDING.test(m))
}

const isRedirect = (status: number) => status >= 300 && status < 400

/** The gateway's answer for a TensorPix status that is not the call's answer, on any route. */
export function answerFor (res: UpstreamResponse): GatewayError {
  // following one would send the master token wherever `location` points; no TensorPix call of ours is redirected
  if (isRedirect(res.status)) return new GatewayError('upstream_redirected', res.status)
  if (res.status === 401 || res.status === 403) return new GatewayError('upstream_auth_failed')
  if (res.status === 429) {
    const retryAfter = String(res.headers['retry-after'] ?? DEFAULT_RETRY_AFTER_S)
    return new GatewayError('upstream_throttled').with({ headers: { 'retry-after': retryAfter } })
  }
  if (res.status >= 500) return new GatewayError('upstream_failed', res.status)
  return refusal(res)
}

/** The gateway's answer for a TensorPix error status on a create, the only call the account's credits can refuse. */
export function answerForCreate (res: UpstreamResponse): GatewayError {
  if (!isAccountOutOfCredits(res)) return answerFor(res)
  return new GatewayError('upstream_out_of_credits').with({ headers: { 'retry-after': OUT_OF_CREDITS_RETRY_AFTER_S } })
}

export function answerForFailure (failure: UpstreamFailure): GatewayError {
  if (failure.kind === 'timeout') return new GatewayError('upstream_timeout')
  if (failure.kind === 'saturated') {
    return new GatewayError('upstream_saturated').with({ headers: { 'retry-after': '1' } })
  }
  return new GatewayError('upstream_unreachable')
}
