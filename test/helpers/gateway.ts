// build(t): the production buildApp on a fresh database, with the logs captured for inspection.
import { Writable } from 'node:stream'
import type { Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createDb, type Db } from '../../src/db/client.ts'
import { createLogger } from '../../src/http/logger.ts'
import type { App } from '../../src/http/types.ts'
import type { UpstreamTarget } from '../../src/upstream/target.ts'
import { createTestDatabase } from './test-database.ts'

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
      lines.push(...String(chunk).split('\n').filter(Boolean))
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
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', TENSORPIX_TOKEN: upstream.token, ...options.env })
  const { lines, stream } = captureLogs()
  const db = createDb({ url: databaseUrl })
  const app = await buildApp(config, {
    db, databaseUrl, upstream, logger: createLogger({ level: config.LOG_LEVEL, masterToken: upstream.token, destination: stream })
  })
  t.teardown(async () => {
    await app.close()
    await db.$disconnect()
  })
  await app.ready()
  return { app, db, databaseUrl, logs: lines, upstream }
}
