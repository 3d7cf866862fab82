// `npm run db:migrate -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql for the difference
// between the existing migrations and prisma/schema.prisma (what `prisma migrate dev --create-only` does).
// Works against a throw-away database on ADMIN_DATABASE_URL (default: the local PostgreSQL).
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { MIGRATIONS_DIR } from '../src/db/migrations.ts'
import { openSchemaEngine, NO_FILTER } from './schema-engine.ts'
import { withScratchDatabase } from './scratch-database.ts'

const name = process.argv[2]
if (!name || !/^[a-z][a-z0-9_]*$/.test(name)) {
  console.error('usage: npm run db:migrate -- <snake_case_name>')
  process.exit(2)
}

await withScratchDatabase(async url => {
  const session = await openSchemaEngine(url)
  try {
    const migrationsList = await session.migrationsList()
    await session.engine.applyMigrations({ migrationsList, filters: NO_FILTER })
    // devDiagnostic replays the migrations into a shadow database, which createMigration then reuses
    await session.engine.devDiagnostic({ migrationsList, filters: NO_FILTER })
    const created = await session.engine.createMigration({
      draft: false, migrationName: name, migrationsList, schema: await session.schemaFiles(), filters: NO_FILTER
    })
    if (!created.migrationScript) {
      console.log('No schema changes: nothing to write.')
      return
    }
    const dir = path.join(MIGRATIONS_DIR, created.generatedMigrationName)
    await mkdir(dir, { recursive: true })
    await writeFile(path.join(dir, 'migration.sql'), created.migrationScript)
    console.log(`Wrote ${path.relative(process.cwd(), dir)}/migration.sql`)
  } catch (err) {
    throw session.explain(err)
  }
})
process.exit(0)
