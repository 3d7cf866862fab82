// One delivery attempt: the URL is checked again (the policy may have changed since registration), the body is
// signed, and the POST runs through the guarded agent with a short time limit. Never throws: the outcome is data
// for the delivery log.
import { request, type Dispatcher } from 'undici'
import { checkOutboundUrl, type OutboundPolicy } from '../net/outbound.ts'
import { VERSION } from '../version.ts'
import { signatureHeader } from './signature.ts'

export interface Attempt {
  url: string
  secret: string
  eventId: string
  eventType: string
  body: string
  attempt: number
  at: Date
}

export interface AttemptResult { ok: boolean, status: number | null, error: string | null }

const MAX_ERROR_LENGTH = 500

function describeFailure (err: unknown): string {
  const e = err as { code?: string, name?: string, message?: string, cause?: { code?: string, message?: string } }
  const cause = e.cause?.message ? `: ${e.cause.message}` : ''
  return `${e.code ?? e.name ?? 'error'} ${e.message ?? ''}${cause}`.trim().slice(0, MAX_ERROR_LENGTH)
}

export interface SendDeps { agent: Dispatcher, policy: OutboundPolicy, timeoutMs: number }

export async function sendAttempt (deps: SendDeps, attempt: Attempt): Promise<AttemptResult> {
  const checked = checkOutboundUrl(attempt.url, deps.policy)
  if ('refusal' in checked) return { ok: false, status: null, error: `URL refused: ${checked.refusal}` }
  try {
    const res = await request(checked.url, {
      method: 'POST',
      dispatcher: deps.agent,
      headers: {
        'content-type': 'application/json',
        'user-agent': `tpx-gateway/${VERSION}`,
        'x-tpx-event-id': attempt.eventId,
        'x-tpx-event-type': attempt.eventType,
        'x-tpx-delivery-attempt': String(attempt.attempt),
        'x-tpx-signature': signatureHeader(attempt.secret, attempt.body, attempt.at)
      },
      body: attempt.body,
      signal: AbortSignal.timeout(deps.timeoutMs)
    })
    // the receiver's answer is not needed; read a little of it at most, so the connection can be reused
    await res.body.dump({ limit: 16_384 })
    const ok = res.statusCode >= 200 && res.statusCode < 300
    const error = ok ? null : res.statusCode >= 300 && res.statusCode < 400 ? `HTTP ${res.statusCode} (redirects are not followed)` : `HTTP ${res.statusCode}`
    return { ok, status: res.statusCode, error }
  } catch (err) {
    return { ok: false, status: null, error: describeFailure(err) }
  }
}
