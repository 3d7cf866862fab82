// The base of every in-process test bed: the production buildApp on a fresh database, with the logs captured for
// inspection and every answer and record fed to the run's secret scan. The beds (admin-bed.ts, data-plane-bed.ts,
// money-bed.ts, reports-bed.ts) add what their plane needs around it.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createDb, type Db } from '../../src/db/client.ts'
import { createLogger } from '../../src/http/logger.ts'
import type { App } from '../../src/http/types.ts'
import type { UpstreamTarget } from '../../src/upstream/target.ts'
import { createTestDatabase } from './test-database.ts'
import { record, recordAnswer, recordSecret } from './secret-scan.ts'

export const TEST_MASTER_TOKEN = 'test-master-token-7f3c9a1e5b'

export interface TestGateway {
  app: App
  db: Db
  databaseUrl: string
  logs: string[]
  upstream: UpstreamTarget
}

export interface TestGatewayOptions {
  env?: Record<string, string>
  upstream?: UpstreamTarget
  databaseUrl?: string
}

export function captureLogs (): { lines: string[], stream: Writable } {
  const lines: string[] = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        lines.push(line)
        record('log', line)
      }
      done()
    }
  })
  return { lines, stream }
}

export async function buildTestGateway (t: Test, options: TestGatewayOptions = {}): Promise<TestGateway> {
  let databaseUrl = options.databaseUrl
  if (!databaseUrl) {
    const database = await createTestDatabase()
    t.teardown(database.drop)
    databaseUrl = database.url
  }
  const upstream = options.upstream ?? { baseUrl: 'http://127.0.0.1:9', token: TEST_MASTER_TOKEN, simulated: true }
  // the default cap on upstream calls per second would make every test about it; those that are set it themselves
  const config = loadConfig({
    NODE_ENV: 'test', LOG_LEVEL: 'info', UPSTREAM_MAX_RPS: '0', TENSORPIX_TOKEN: upstream.token, ...options.env
  })
  const { lines, stream } = captureLogs()
  const db = createDb({ url: databaseUrl })
  const app = await buildApp(config, {
    db,
    databaseUrl,
    upstream,
    logger: createLogger({ level: config.LOG_LEVEL, masterToken: upstream.token, destination: stream })
  })
  recordSecret(upstream.token)
  recordAnswers(app)
  t.teardown(async () => {
    await app.close()
    await recordRecords(db).catch(() => {}) // a test may have dropped or broken its database on purpose
    await db.$disconnect()
  })
  await app.ready()
  return { app, db, databaseUrl, logs: lines, upstream }
}

/** Makes the gateway listen on a free port of 127.0.0.1 (for fetch, child processes and browsers); its origin. */
export async function listen (gw: TestGateway): Promise<string> {
  await gw.app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(gw.app.server.address() as AddressInfo).port}`
}

/** Every answer, over HTTP and through inject, goes to the run's secret scan (test/helpers/secret-scan.ts). */
function recordAnswers (app: App) {
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    const keep = (chunk: unknown) => { if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as string)) }
    const write = res.write.bind(res)
    const end = res.end.bind(res)
    res.write = ((chunk: unknown, ...rest: never[]) => {
      keep(chunk)
      return write(chunk as string, ...rest)
    }) as typeof res.write
    res.end = ((chunk?: unknown, ...rest: never[]) => {
      keep(chunk)
      return end(chunk as string, ...rest)
    }) as typeof res.end
    res.once('finish', () => recordAnswer(`${req.method} ${req.url}`, res.statusCode, Buffer.concat(chunks).toString('utf8')))
  })
  const inject = app.inject.bind(app) as (options: InjectOptions) => Promise<LightMyRequestResponse>
  app.inject = (async (options: InjectOptions) => {
    const res = await inject(options)
    recordAnswer(`${options.method ?? 'GET'} ${String(options.url)}`, res.statusCode, res.body)
    return res
  }) as typeof app.inject
}

async function recordRecords (db: Db) {
  const rows = await Promise.all([
    db.auditEvent.findMany(), db.job.findMany(), db.ledgerEntry.findMany(), db.mediaObject.findMany()
  ])
  record('record', JSON.stringify(rows, (_key, value) => typeof value === 'bigint' ? String(value) : value))
}
