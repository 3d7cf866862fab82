// Integration tests run on real PostgreSQL: TEST_DATABASE_URL if set, else the local server on 127.0.0.1:5432 if it
// answers, else an embedded PostgreSQL started for the run. Every test file gets a fresh database cloned from a
// migrated template (named after the migrations' checksums, so a schema change makes a new template).
import { createHash, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { createDb, type Db } from '../../src/db/client.ts'
import { applyMigrations, readMigrations } from '../../src/db/migrations.ts'
import { startTestPostgres } from './embedded-test-postgres.ts'
import type { Teardown } from './teardown.ts'

const STATE_FILE = path.resolve(import.meta.dirname, '../../.data/test-db.json')
const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
const TEMPLATE_LOCK = 7_210_002

export interface TestDatabaseServer { adminUrl: string, template: string, embedded: boolean }

async function answers (url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

export function databaseUrl (adminUrl: string, name: string): string {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

async function withAdmin<T> (adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function ensureTemplate (adminUrl: string): Promise<string> {
  const migrations = await readMigrations()
  const digest = createHash('sha256').update(migrations.map(m => m.checksum).join()).digest('hex').slice(0, 16)
  const template = `tpx_test_tpl_${digest}`
  await withAdmin(adminUrl, async client => {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK])
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])
    if (rowCount) return
    const building = `${template}_building`
    await client.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`)
    await client.query(`CREATE DATABASE "${building}"`)
    await applyMigrations(databaseUrl(adminUrl, building))
    // renamed only once complete, so a crash mid-build never leaves a half-migrated template behind
    await client.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`)
  })
  return template
}

async function resolveServer (): Promise<{ adminUrl: string, embedded: boolean }> {
  const given = process.env.TEST_DATABASE_URL
  if (given) return { adminUrl: given, embedded: false }
  // TEST_EMBEDDED_POSTGRES=1 exercises the path of a machine without PostgreSQL
  if (process.env.TEST_EMBEDDED_POSTGRES !== '1' && await answers(LOCAL_URL)) return { adminUrl: LOCAL_URL, embedded: false }
  return { adminUrl: await startTestPostgres(), embedded: true }
}

/** Run once per test run (tap `before`); test files fall back to it when run on their own. */
export async function prepareTestDatabaseServer (): Promise<TestDatabaseServer> {
  const { adminUrl, embedded } = await resolveServer()
  const server = { adminUrl, template: await ensureTemplate(adminUrl), embedded }
  mkdirSync(path.dirname(STATE_FILE), { recursive: true })
  writeFileSync(STATE_FILE, JSON.stringify(server))
  return server
}

export async function testDatabaseServer (): Promise<TestDatabaseServer> {
  if (existsSync(STATE_FILE)) {
    const server = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as TestDatabaseServer
    if (await answers(server.adminUrl)) return server
  }
  return prepareTestDatabaseServer()
}

export interface TestDatabase { url: string, name: string, drop(): Promise<void> }

/** A fresh, migrated, empty database for one test file. */
export async function createTestDatabase (): Promise<TestDatabase> {
  const server = await testDatabaseServer()
  const name = `tpx_test_${randomUUID().replaceAll('-', '')}`
  await withAdmin(server.adminUrl, client => client.query(`CREATE DATABASE "${name}" TEMPLATE "${server.template}"`))
  return {
    url: databaseUrl(server.adminUrl, name),
    name,
    drop: () => withAdmin(server.adminUrl, async client => {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    })
  }
}

/**
 * A fresh database for one test, dropped at its teardown, and a client on it: what a test needs whose gateways are
 * separate processes (the in-process beds make their own, in gateway.ts).
 */
export async function databaseForTest (t: Teardown): Promise<{ url: string, db: Db }> {
  const database = await createTestDatabase()
  t.teardown(database.drop)
  const db = createDb({ url: database.url })
  t.teardown(() => db.$disconnect())
  return { url: database.url, db }
}
