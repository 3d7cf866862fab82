// Gateway keys look like tgw_<publicId>_<secret>: a recognisable prefix (secret scanners can match it), a public
// id that finds the row without revealing anything, and a 256-bit secret. Only a SHA-256 of the whole key is
// stored. SHA-256 without a slow KDF is enough here because the secret is random, not a password.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export const KEY_PREFIX = 'tgw_'
const PUBLIC_ID_LENGTH = 12
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
export const KEY_PATTERN = /^tgw_([a-z2-7]{12})_([A-Za-z0-9_-]{32,128})$/

export interface ParsedKey { publicId: string, key: string }

export function parseKey (key: string): ParsedKey | null {
  const match = KEY_PATTERN.exec(key)
  return match ? { publicId: match[1] as string, key } : null
}

function randomPublicId (): string {
  const bytes = randomBytes(PUBLIC_ID_LENGTH)
  let id = ''
  for (const byte of bytes) id += BASE32[byte % 32]
  return id
}

/** A new key; its `key` is shown to the user once and never stored. */
export function generateKey (): { publicId: string, key: string, prefix: string } {
  const publicId = randomPublicId()
  const secret = randomBytes(32).toString('base64url')
  return { publicId, prefix: displayPrefix(publicId), key: `${KEY_PREFIX}${publicId}_${secret}` }
}

/** What lists, logs and the audit log show of a key. */
export function displayPrefix (publicId: string): string {
  return `${KEY_PREFIX}${publicId}`
}

export function hashKey (key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** Constant-time comparison of two hex SHA-256 digests (compared as text: hex decoding drops bad characters). */
export function sameHash (a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase(), 'utf8')
  const right = Buffer.from(b.toLowerCase(), 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}
