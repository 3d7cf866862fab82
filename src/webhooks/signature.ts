// Webhook signatures: HMAC-SHA-256 with the endpoint's secret over "<unix seconds>.<body>", sent as
//   x-tpx-signature: t=<unix seconds>,v1=<hex digest>
// The timestamp is signed too, so a receiver that refuses old timestamps also refuses replays.
import { createHmac, randomBytes } from 'node:crypto'

export const SECRET_PREFIX = 'whsec_'

export function generateWebhookSecret (): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`
}

export function signatureHeader (secret: string, body: string, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000)
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
  return `t=${timestamp},v1=${digest}`
}
