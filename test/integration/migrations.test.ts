import t from 'tap'
import pg from 'pg'
import { applyMigrations, pendingMigrations, readMigrations } from '../../src/db/migrations.ts'
import { openSchemaEngine, NO_FILTER } from '../../scripts/schema-engine.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

t.test('schema.prisma and the migrations agree', async t => {
  const database = await createTestDatabase()
  t.teardown(database.drop)
  const session = await openSchemaEngine(database.url)
  let result
  try {
    result = await session.engine.diff({
      from: { tag: 'migrations', ...await session.migrationsList() },
      to: { tag: 'schemaDatamodel', ...await session.schemaFiles() },
      script: true,
      exitCode: true,
      filters: NO_FILTER
    })
  } catch (err) {
    throw session.explain(err)
  }
  t.equal(result.exitCode, 0, `schema drift: run npm run db:migrate -- <name>\n${result.stdout ?? ''}`)
})

t.test('a migrated database has nothing pending and records Prisma-compatible history', async t => {
  const database = await createTestDatabase()
  t.teardown(database.drop)
  t.same(await pendingMigrations(database.url), [])
  t.same(await applyMigrations(database.url), [], 're-running applies nothing')
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  t.teardown(() => client.end())
  const { rows } = await client.query('SELECT migration_name, checksum, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name')
  const local = await readMigrations()
  t.same(rows, local.map(m => ({ migration_name: m.name, checksum: m.checksum, applied_steps_count: 1 })))
})

t.test('a modified migration is refused', async t => {
  const database = await createTestDatabase()
  t.teardown(database.drop)
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  await client.query('UPDATE "_prisma_migrations" SET checksum = $1', ['0'.repeat(64)])
  await client.end()
  await t.rejects(applyMigrations(database.url), /was modified after it was applied/)
})
