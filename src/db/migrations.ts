// Applies prisma/migrations offline, without Prisma's native schema engine (which our machines cannot download).
// Same files, same `_prisma_migrations` table, same checksums and advisory lock as `prisma migrate deploy`, so
// the two are interchangeable wherever the native engine is available. Unlike Prisma, each migration runs in
// its own transaction, so a failed migration leaves nothing half-applied.
import { createHash, randomUUID } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../prisma/migrations')
// the advisory lock key Prisma's schema engine takes, so our deploy and theirs never run at once
const PRISMA_MIGRATE_LOCK = 72707369

export interface MigrationFolder { name: string, sql: string, checksum: string }

export async function readMigrations (dir = MIGRATIONS_DIR): Promise<MigrationFolder[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const names = entries.filter(e => e.isDirectory()).map(e => e.name).sort()
  return Promise.all(names.map(async name => {
    const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8')
    return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
  }))
}

const CREATE_HISTORY_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`

interface HistoryRow { migration_name: string, checksum: string, finished_at: Date | null }

export class MigrationError extends Error {}

function checkHistory (local: MigrationFolder[], history: HistoryRow[]): MigrationFolder[] {
  const failed = history.find(h => h.finished_at === null)
  if (failed) {
    throw new MigrationError(`migration ${failed.migration_name} failed earlier and was never marked rolled back; ` +
      'fix the database by hand, then delete its _prisma_migrations row')
  }
  const applied = new Map(history.map(h => [h.migration_name, h.checksum]))
  for (const m of local) {
    const checksum = applied.get(m.name)
    if (checksum !== undefined && checksum !== m.checksum) {
      throw new MigrationError(`migration ${m.name} was modified after it was applied; add a new migration instead`)
    }
  }
  return local.filter(m => !applied.has(m.name))
}

async function applyOne (client: pg.Client, m: MigrationFolder): Promise<void> {
  await client.query('BEGIN')
  try {
    const id = randomUUID()
    await client.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
      [id, m.checksum, m.name])
    await client.query(m.sql)
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id])
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK')
    throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`)
  }
}

async function withClient<T> (connectionString: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function readHistory (client: pg.Client): Promise<HistoryRow[]> {
  await client.query(CREATE_HISTORY_TABLE)
  const { rows } = await client.query<HistoryRow>(
    'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL')
  return rows
}

/** Names of the migrations not yet applied (throws on a modified or failed one). */
export async function pendingMigrations (connectionString: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const local = await readMigrations(dir)
  return withClient(connectionString, async client => checkHistory(local, await readHistory(client)).map(m => m.name))
}

/** Applies every pending migration in order; returns the names applied. Safe to run from several replicas. */
export async function applyMigrations (connectionString: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const local = await readMigrations(dir)
  return withClient(connectionString, async client => {
    // session-level lock, released when the connection closes
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK])
    const pending = checkHistory(local, await readHistory(client))
    for (const m of pending) await applyOne(client, m)
    return pending.map(m => m.name)
  })
}
