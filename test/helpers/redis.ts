// Redis shared by several gateway processes: the local server on 127.0.0.1:6379 when it answers, otherwise a
// throwaway `redis-server` on a free port (no persistence), stopped at teardown, so cross-replica tests never skip.
import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, reachable } from './money-bed.ts'
import type { Teardown } from './video-server.ts'

const LOCAL = { host: '127.0.0.1', port: 6379 }

export async function sharedRedis (t: Teardown): Promise<string> {
  // TEST_OWN_REDIS=1 exercises the path of a machine without Redis
  if (process.env.TEST_OWN_REDIS !== '1' && await reachable(LOCAL.host, LOCAL.port)) return `redis://${LOCAL.host}:${LOCAL.port}`
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const failed = new Promise<Error>(resolve => child.once('error', resolve))
  t.teardown(() => { child.kill('SIGTERM') })
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const problem = await Promise.race([failed, sleep(100).then(() => null)])
    if (problem) throw new Error(`Redis does not answer on ${LOCAL.host}:${LOCAL.port} and redis-server could not be started: ${problem.message}`)
    if (await reachable('127.0.0.1', port)) return `redis://127.0.0.1:${port}`
  }
  throw new Error(`redis-server did not answer on port ${port}`)
}
