// TensorPix authentication (DRF TokenAuthentication): `Authorization: Token <key>`, keyword case-insensitive;
// `Bearer` is accepted too. Failures are 401 {detail} with `WWW-Authenticate: Token`, in DRF's words.
import type { FastifyRequest } from 'fastify'
import { detailError } from './errors.ts'
import type { Account } from './records.ts'
import type { Simulation } from './simulation.ts'

export type Credentials = { token: string } | { problem: string }

const NOT_PROVIDED = 'Authentication credentials were not provided.'

/** Reads the header without judging the token (fault rules filter on it before authentication). */
export function readCredentials (header: string | undefined): Credentials {
  const parts = (header ?? '').trim().split(/\s+/)
  const keyword = parts[0]?.toLowerCase()
  if (keyword !== 'token' && keyword !== 'bearer') return { problem: NOT_PROVIDED }
  if (parts.length === 1) return { problem: 'Invalid token header. No credentials provided.' }
  if (parts.length > 2) return { problem: 'Invalid token header. Token string should not contain spaces.' }
  return { token: parts[1] ?? '' }
}

const accounts = new WeakMap<FastifyRequest, Account>()

export function authenticate (sim: Simulation, request: FastifyRequest): Account {
  const credentials = readCredentials(request.headers.authorization)
  const account = 'token' in credentials ? sim.accounts.get(credentials.token) : undefined
  if (!account) {
    throw detailError(401, 'problem' in credentials ? credentials.problem : 'Invalid token.', { 'www-authenticate': 'Token' })
  }
  accounts.set(request, account)
  return account
}

/** The caller's account; only valid inside the authenticated /api scope. */
export function accountOf (request: FastifyRequest): Account {
  const account = accounts.get(request)
  if (!account) throw new Error('accountOf called outside the authenticated scope')
  return account
}
