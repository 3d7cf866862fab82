// Drives Prisma's schema engine compiled to wasm (@prisma/schema-engine-wasm) through adapter-pg, because the
// Prisma CLI cannot download its native schema engine on our machines (STACK-NOTES.md §4). Development-only:
// creating migrations and the schema/migrations drift test. Production applies migrations with src/db/migrations.ts.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import pg from 'pg'
import { PrismaPg } from '@prisma/adapter-pg'
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from '@prisma/driver-adapter-utils'
import { readMigrations, MIGRATIONS_DIR, type MigrationFolder } from '../src/db/migrations.ts'

export const SCHEMA_PATH = path.resolve(import.meta.dirname, '../prisma/schema.prisma')
const EMPTY_FILTER = { externalTables: [], externalEnums: [] }

interface Queryable {
  performIO(query: unknown): Promise<{ fields: Array<{ name: string, dataTypeID: number }> }>
  queryRaw(query: unknown): Promise<{ columnNames: string[], columnTypes: number[] }>
  startTransaction?(isolation?: unknown): Promise<Queryable>
}

const CHAR_OID = 18
const TEXT_OID = 25
const CHAR_TAG = '\u0000char'

// adapter-pg 7.10 rejects PostgreSQL's internal "char" type (OID 18), which the engine's catalog queries return
// (pg_constraint.contype …). Read it as text and report it to the engine as a Character column.
function acceptCharColumns (q: Queryable): void {
  const performIO = q.performIO.bind(q)
  const queryRaw = q.queryRaw.bind(q)
  q.performIO = async (query) => {
    const result = await performIO(query)
    for (const field of result.fields) {
      if (field.dataTypeID === CHAR_OID) Object.assign(field, { dataTypeID: TEXT_OID, name: field.name + CHAR_TAG })
    }
    return result
  }
  q.queryRaw = async (query) => {
    const result = await queryRaw(query)
    result.columnNames.forEach((name, i) => {
      if (!name.endsWith(CHAR_TAG)) return
      result.columnNames[i] = name.slice(0, -CHAR_TAG.length)
      result.columnTypes[i] = ColumnTypeEnum.Character
    })
    return result
  }
  const startTransaction = q.startTransaction?.bind(q)
  if (startTransaction) {
    q.startTransaction = async (isolation) => {
      const tx = await startTransaction(isolation)
      acceptCharColumns(tx)
      return tx
    }
  }
}

// The stock connectToShadowDb drops the shadow database before closing its pool ("being accessed by other
// users") and lets connectionString override the database name; this one creates and force-drops it itself.
function adapterFactory (connectionString: string) {
  const base = new PrismaPg({ connectionString })
  const connect = async (config: pg.PoolConfig) => {
    const adapter = await new PrismaPg(config).connect()
    acceptCharColumns(adapter as unknown as Queryable)
    return adapter
  }
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: () => connect({ connectionString }),
    connectToShadowDb: async () => {
      const url = new URL(connectionString)
      const name = `prisma_shadow_${randomUUID().replaceAll('-', '')}`
      const admin = new pg.Client({ connectionString })
      await admin.connect()
      await admin.query(`CREATE DATABASE "${name}"`)
      await admin.end()
      const adapter = await connect({
        host: url.hostname,
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: name
      })
      const dispose = adapter.dispose.bind(adapter)
      adapter.dispose = async () => {
        await dispose()
        const dropper = new pg.Client({ connectionString })
        await dropper.connect()
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
        await dropper.end()
      }
      return adapter
    }
  }
}

interface ErrorRegistry { consumeError(id: number): { error?: unknown } | undefined }

export interface SchemaEngineSession {
  engine: WasmSchemaEngine
  migrationsList(): Promise<MigrationList>
  schemaFiles(): Promise<{ files: Array<{ path: string, content: string }> }>
  // engine errors from the JS side read "External error id#N": recover the original
  explain(err: unknown): Error
}

type MigrationList = ReturnType<typeof toMigrationList>
// The wasm package's own declarations describe these calls; we use a narrow structural view of them.
interface WasmSchemaEngine {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>
  createMigration(input: unknown): Promise<{ generatedMigrationName: string, migrationScript: string | null }>
  devDiagnostic(input: unknown): Promise<unknown>
  diff(input: unknown): Promise<{ exitCode: number, stdout: string | null }>
}

function toMigrationList (folders: MigrationFolder[], lock: string) {
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: 'migration_lock.toml', content: lock },
    shadowDbInitScript: '',
    migrationDirectories: folders.map(m => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.sql } }
    }))
  }
}

interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>
}

async function loadWasmEngine () {
  const require = createRequire(import.meta.url)
  // the package exports no path for its .wasm file: find it beside the bg module
  const wasmPath = path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm')), 'schema_engine_bg.wasm')
  const bg = await import('@prisma/schema-engine-wasm/schema_engine_bg') as unknown as {
    __wbg_set_wasm(exports: unknown): void
    SchemaEngine: { new: (opts: unknown, log: (m: string) => void, adapter: unknown) => Promise<WasmSchemaEngine> }
  }
  // Node 20 cannot import .wasm without a flag: instantiate it by hand.
  const { WebAssembly } = globalThis as unknown as { WebAssembly: WasmApi }
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), { './schema_engine_bg.js': bg })
  bg.__wbg_set_wasm(instance.exports)
  ;(instance.exports.__wbindgen_start as () => void)()
  return bg.SchemaEngine
}

export async function openSchemaEngine (connectionString: string): Promise<SchemaEngineSession> {
  let panic = ''
  Object.assign(globalThis, { PRISMA_WASM_PANIC_REGISTRY: { set_message: (m: string) => { panic = m } } })
  const SchemaEngine = await loadWasmEngine()
  const adapter = bindMigrationAwareSqlAdapterFactory(adapterFactory(connectionString) as never) as unknown as
    { errorRegistry: ErrorRegistry }
  const schema = await readFile(SCHEMA_PATH, 'utf8')
  const engine = await SchemaEngine.new({ datamodels: [[SCHEMA_PATH, schema]] }, () => {}, adapter)
  return {
    engine,
    migrationsList: async () => {
      const lock = await readFile(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8').catch(() => '')
      return toMigrationList(await readMigrations(), lock)
    },
    schemaFiles: async () => ({ files: [{ path: SCHEMA_PATH, content: await readFile(SCHEMA_PATH, 'utf8') }] }),
    explain: (err) => {
      const message = err instanceof Error ? err.message : String(err)
      const id = /External error id#(\d+)/.exec(message)?.[1]
      const original = id ? adapter.errorRegistry.consumeError(Number(id))?.error : undefined
      return new Error([message, original ? JSON.stringify(original) : '', panic].filter(Boolean).join('\n'))
    }
  }
}

export const NO_FILTER = EMPTY_FILTER
