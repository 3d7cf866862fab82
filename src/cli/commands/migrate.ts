import { Command } from 'commander'
import { ConfigError, loadConfig } from '../../config.ts'
import { applyMigrations, MigrationError } from '../../db/migrations.ts'
import { fail } from '../output.ts'

export function migrateCommand () {
  return new Command('migrate')
    .description('apply pending database migrations to DATABASE_URL (same format as `prisma migrate deploy`)')
    .action(async () => {
      try {
        const config = loadConfig()
        if (!config.DATABASE_URL) fail('DATABASE_URL is not set (the embedded database migrates itself at startup)', 78)
        const applied = await applyMigrations(config.DATABASE_URL)
        process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'No pending migrations.\n')
      } catch (err) {
        if (err instanceof ConfigError || err instanceof MigrationError) fail(err.message, 78)
        fail(`migration failed: ${(err as Error).message}`)
      }
    })
}
