// The CLI's side of the admin API: one fetch per command, errors turned into one readable line.
import { Command, Option } from 'commander'
import { fail } from './output.ts'

export const DEFAULT_URL = 'http://127.0.0.1:8080'

export interface Connection { url: string, key: string }

interface ErrorEnvelope {
  error?: string
  message?: string
  details?: Array<{ field?: string, message?: string }>
  requestId?: string
}

/** A refusal from the gateway, as one line: the envelope's message, the offending fields, the status. */
export class AdminApiError extends Error {
  constructor (readonly status: number, body: ErrorEnvelope | null) {
    const fields = (body?.details ?? []).map(d => `${d.field ?? '?'} ${d.message ?? 'is invalid'}`)
    const text = body?.message ?? `the gateway answered HTTP ${status}`
    super(`${text}${fields.length > 0 ? `: ${fields.join('; ')}` : ''} (HTTP ${status}${body?.error ? ` ${body.error}` : ''})`)
    this.name = 'AdminApiError'
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'
export type Query = Record<string, string | number | boolean | undefined>

export class AdminClient {
  private readonly base: string

  constructor (private readonly connection: Connection) {
    this.base = connection.url.replace(/\/+$/, '')
  }

  get<T> (path: string, query: Query = {}): Promise<T> {
    const params = new URLSearchParams()
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value))
    const search = params.size > 0 ? `?${params}` : ''
    return this.send<T>('GET', `${path}${search}`)
  }

  post<T> (path: string, body?: unknown): Promise<T> { return this.send<T>('POST', path, body) }
  patch<T> (path: string, body: unknown): Promise<T> { return this.send<T>('PATCH', path, body) }
  delete<T> (path: string): Promise<T> { return this.send<T>('DELETE', path) }

  private async send<T> (method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.connection.key}`, accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await fetch(`${this.base}/admin/v1${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) })
    } catch (err) {
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      throw new Error(`cannot reach the gateway at ${this.base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`)
    }
    const text = await res.text()
    const parsed = parseJson(text)
    if (!res.ok) throw new AdminApiError(res.status, parsed as ErrorEnvelope | null)
    return parsed as T
  }
}

function parseJson (text: string): unknown {
  try {
    return text ? JSON.parse(text) : null
  } catch {
    return null
  }
}

export interface CommonOptions { url: string, key?: string, json?: boolean }

/** --url, --key (or TPX_GATEWAY_URL / TPX_GATEWAY_KEY) and --json on an admin command. */
export function withConnection (command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'gateway base URL').env('TPX_GATEWAY_URL').default(DEFAULT_URL))
    .addOption(new Option('--key <key>', 'admin or finance key (prefer the env variable: argv is visible to ps)').env('TPX_GATEWAY_KEY'))
    .option('--json', 'print the JSON answer instead of a table')
}

/**
 * Runs an admin command: builds the client from the command's options, prints what the handler returns, and
 * turns every failure into one line on stderr and exit code 1.
 */
export function adminAction<A extends unknown[]> (
  handler: (client: AdminClient, options: CommonOptions & Record<string, unknown>, ...args: A) => Promise<Output>
) {
  return async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command
    const options = command.opts<CommonOptions & Record<string, unknown>>()
    const args = received.slice(0, command.registeredArguments.length) as A
    if (!options.key) fail('no admin key: set TPX_GATEWAY_KEY or pass --key', 2)
    try {
      const output = await handler(new AdminClient({ url: options.url, key: options.key }), options, ...args)
      process.stdout.write(options.json ? `${JSON.stringify(output.json, null, 2)}\n` : output.human)
      if (output.note && !options.json) process.stderr.write(`${output.note}\n`)
    } catch (err) {
      fail((err as Error).message)
    }
  }
}

/** What a command prints: the API's JSON for --json, a table or listing otherwise, and an optional hint. */
export interface Output { json: unknown, human: string, note?: string }
