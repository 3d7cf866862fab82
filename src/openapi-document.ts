// Builds the app without touching a database or upstream, to read the OpenAPI document it generates.
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'
import { createDb } from './db/client.ts'
import { createLogger } from './http/logger.ts'

const NOWHERE = 'postgres://openapi@127.0.0.1:1/none'

export async function generateOpenApiDocument (): Promise<unknown> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' })
  const db = createDb({ url: NOWHERE })
  const app = await buildApp(config, {
    db,
    databaseUrl: NOWHERE,
    logger: createLogger({ level: 'silent' }),
    upstream: { baseUrl: 'http://127.0.0.1:1', token: 'unused', simulated: true }
  })
  await app.ready()
  const document = app.swagger()
  await app.close()
  return document
}

export function serializeOpenApi (document: unknown): string {
  return JSON.stringify(document, null, 2) + '\n'
}
