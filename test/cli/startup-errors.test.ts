import t from 'tap'
import { spawnSync } from 'node:child_process'

const bin = new URL('../../bin/tpx-gateway.js', import.meta.url).pathname

function serve (env: Record<string, string>) {
  return spawnSync(process.execPath, [bin, 'serve'], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 })
}

t.test('a wrong setting stops startup with one paragraph naming it', async t => {
  const run = serve({ PORT: 'abc', DATABASE_URL: 'mysql://nope' })
  t.equal(run.status, 78)
  const lines = run.stderr.trim().split('\n')
  t.equal(lines.length, 1, 'one paragraph, no stack trace')
  t.match(lines[0], /PORT="abc"/)
  t.match(lines[0], /DATABASE_URL="mysql:\/\/nope"/)
  t.notMatch(run.stderr, /at .*\.ts:\d+/, 'no stack frames')
})

t.test('production without the master token names the variable', async t => {
  const run = serve({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@127.0.0.1:1/x' })
  t.equal(run.status, 78)
  t.match(run.stderr, /TENSORPIX_TOKEN is required when NODE_ENV=production/)
})

t.test('an unreachable database stops startup with a sentence', async t => {
  const run = serve({ DATABASE_URL: 'postgres://x@127.0.0.1:1/x', LOG_LEVEL: 'silent' })
  t.equal(run.status, 1)
  t.match(run.stderr, /^tpx-gateway: startup failed: /m)
})
