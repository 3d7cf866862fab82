// The secret scan of a whole test run: every test gateway appends its log lines, its answers and (at teardown)
// its audit, job, ledger and media records to one file; factories and gateways append the secrets they issue or
// hold. test/setup/after.ts scans the file once every test has run: no master token and no key secret may appear
// anywhere except in the one answer that hands a key out.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'

export const SCAN_FILE = path.resolve(import.meta.dirname, '../../.data/secret-scan.jsonl')

type Kind = 'log' | 'answer' | 'handout' | 'record' | 'secret'
// `request` says what an answer answers; it is the test's own input, so it is shown but not scanned
interface Line { kind: Kind, text: string, request?: string }

const FULL_KEY = /tgw_[a-z2-7]{12}_[A-Za-z0-9_-]{32,128}/g
// the answers that hand a secret out: key create and rotate
const HANDOUT = /^POST \/admin\/v1\/(teams\/[^/]+\/keys|keys|keys\/[^/]+\/rotate)(\?|$)/

export function startScan (): void {
  mkdirSync(path.dirname(SCAN_FILE), { recursive: true })
  rmSync(SCAN_FILE, { force: true })
}

// shorter "tokens" are placeholders in tests (a token of 'x' would match every line)
const MIN_SECRET_LENGTH = 12

export function recordSecret (secret: string): void {
  if (secret.length >= MIN_SECRET_LENGTH) record('secret', secret)
}

export function record (kind: Kind, text: string, request?: string): void {
  appendFileSync(SCAN_FILE, JSON.stringify({ kind, text, request } satisfies Line) + '\n')
}

/** An answer, classified by the request it answers. */
export function recordAnswer (request: string, status: number, body: string): void {
  record(status < 300 && HANDOUT.test(request) ? 'handout' : 'answer', `${status} ${body}`, request)
}

export interface Finding { kind: Kind, secret: string, excerpt: string }

/** Every place a known secret appears outside a handout. */
export function scan (lines: Line[]): { findings: Finding[], secrets: number, scanned: number } {
  const tokens = new Set<string>()
  const keys = new Set<string>()
  for (const line of lines) {
    if (line.kind === 'secret') (line.text.startsWith('tgw_') ? keys : tokens).add(line.text)
    if (line.kind === 'handout') for (const key of line.text.match(FULL_KEY) ?? []) keys.add(key)
  }
  const findings: Finding[] = []
  let scanned = 0
  for (const line of lines) {
    if (line.kind === 'secret' || line.kind === 'handout') continue
    scanned++
    const found = [
      ...(line.text.match(FULL_KEY) ?? []).filter(key => keys.has(key)),
      ...[...tokens].filter(token => line.text.includes(token))
    ]
    for (const secret of found) {
      const masked = line.text.replaceAll(secret, '<SECRET>')
      const at = masked.indexOf('<SECRET>')
      const where = line.request ? `${line.request.slice(0, 100)} → ` : ''
      findings.push({ kind: line.kind, secret: `${secret.slice(0, 12)}…`, excerpt: where + masked.slice(Math.max(0, at - 120), at + 40) })
    }
  }
  return { findings, secrets: tokens.size + keys.size, scanned }
}

export function readScan (file = SCAN_FILE): Line[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line) as Line)
}
