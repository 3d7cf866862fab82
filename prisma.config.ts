import { defineConfig } from 'prisma/config'

// The URL is only read by CLI commands that talk to a database; `prisma generate` must work without one,
// so an unset DATABASE_URL is not an error here (see STACK-NOTES: env() throws when unset).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' }
})
