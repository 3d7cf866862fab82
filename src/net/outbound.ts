// The guard on requests the gateway makes on a team's behalf to a URL the team chose (webhooks). A URL is checked
// when it is registered and again before every request; the addresses a name resolves to are checked inside the
// connection's own DNS lookup, so the address that is checked is the address that is connected to (a name that
// resolves to a public address at registration and to 127.0.0.1 later — DNS rebinding — is refused at connect).
// Redirects are never followed: undici's request() follows none unless told to, and 3xx counts as a failure.
import dns from 'node:dns'
import type { LookupFunction } from 'node:net'
import { Agent } from 'undici'
import type { Config } from '../config.ts'
import { classifyAddress, type AddressClass } from './address-class.ts'

export interface OutboundPolicy {
  // loopback addresses, and plain http:// to a loopback host (tests, local development)
  allowLoopback: boolean
  // RFC 1918, carrier-grade NAT and IPv6 unique-local addresses (receivers on the internal network)
  allowPrivate: boolean
}

export const MAX_OUTBOUND_URL_LENGTH = 2048

export function outboundPolicyOf (config: Pick<Config, 'OUTBOUND_ALLOW_LOOPBACK' | 'OUTBOUND_ALLOW_PRIVATE'>): OutboundPolicy {
  return { allowLoopback: config.OUTBOUND_ALLOW_LOOPBACK, allowPrivate: config.OUTBOUND_ALLOW_PRIVATE }
}

const ALLOWED_BY: Partial<Record<AddressClass, string>> = {
  loopback: 'OUTBOUND_ALLOW_LOOPBACK',
  private: 'OUTBOUND_ALLOW_PRIVATE',
  'unique-local': 'OUTBOUND_ALLOW_PRIVATE'
}

/** Why an address may not be called, or null when it may. Link-local, multicast and reserved never may. */
export function addressRefusal (address: string, policy: OutboundPolicy): string | null {
  const kind: AddressClass = classifyAddress(address)
  if (kind === 'public') return null
  if (kind === 'loopback' && policy.allowLoopback) return null
  if ((kind === 'private' || kind === 'unique-local') && policy.allowPrivate) return null
  return `${address} is a ${kind} address${ALLOWED_BY[kind] ? ` (${ALLOWED_BY[kind]} allows it)` : ''}`
}

const isLoopbackName = (host: string) => host === 'localhost' || host.endsWith('.localhost')

/**
 * Checks a URL without resolving it: https (or http to a loopback host when loopback is allowed), no credentials,
 * and an IP-literal host that is allowed. Returns the parsed URL or the reason it is refused.
 */
export function checkOutboundUrl (raw: string, policy: OutboundPolicy): { url: URL } | { refusal: string } {
  if (raw.length > MAX_OUTBOUND_URL_LENGTH) return { refusal: `must be at most ${MAX_OUTBOUND_URL_LENGTH} characters` }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { refusal: 'is not a URL' }
  }
  if (url.username || url.password) return { refusal: 'must not contain credentials' }
  const host = url.hostname
  const literal = classifyAddress(host) !== 'invalid'
  const loopbackHost = isLoopbackName(host) || (literal && classifyAddress(host) === 'loopback')
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackHost && policy.allowLoopback)) {
    return { refusal: 'must use https (plain http only to a loopback host with OUTBOUND_ALLOW_LOOPBACK)' }
  }
  if (isLoopbackName(host) && !policy.allowLoopback) return { refusal: `${host} is a loopback host (OUTBOUND_ALLOW_LOOPBACK allows it)` }
  const refusal = literal ? addressRefusal(host, policy) : null
  return refusal ? { refusal } : { url }
}

/** The connection refused an address; the code shows in delivery logs. */
export class OutboundRefused extends Error {
  readonly code = 'EOUTBOUNDREFUSED'
  constructor (host: string, reason: string) {
    super(`refused to connect to ${host}: ${reason}`)
    this.name = 'OutboundRefused'
  }
}

type Resolve = (hostname: string, options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void

/**
 * A `lookup` for net/tls.connect that resolves every address of the name and refuses the connection when any of
 * them is not allowed (a name answering one public and one private address could otherwise reach either).
 */
export function guardedLookup (policy: OutboundPolicy, resolve: Resolve = dns.lookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0)
      const refusal = addresses.map(a => addressRefusal(a.address, policy)).find(r => r !== null)
      const first = addresses[0]
      if (refusal || !first) return callback(new OutboundRefused(hostname, refusal ?? 'no address'), '', 0)
      if (options.all) return callback(null, addresses)
      callback(null, first.address, first.family)
    })
  }
}

export interface OutboundAgentOptions { timeoutMs: number, resolve?: Resolve }

/** A connection pool for team-chosen URLs: guarded lookup, short timeouts, no keep-alive reuse across long gaps. */
export function outboundAgent (policy: OutboundPolicy, options: OutboundAgentOptions): Agent {
  return new Agent({
    connect: { lookup: guardedLookup(policy, options.resolve), timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 4_000,
    connections: 4
  })
}
