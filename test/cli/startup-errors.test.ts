// A gateway that cannot start stops with the reason in one paragraph (no stack trace) and an exit code that says which.
import t from 'tap'
import { cli } from '../helpers/processes.ts'

const serve = (env: Record<string, string>) => cli(['serve'], env)

t.test('a wrong setting stops startup with one paragraph naming it', async t => {
  const run = await serve({ PORT: 'abc', DATABASE_URL: 'mysql://nope' })
  t.equal(run.code, 78)
  const lines = run.stderr.trim().split('\n')
  t.equal(lines.length, 1, 'one paragraph, no stack trace')
  t.match(lines[0], /PORT="abc"/)
  t.match(lines[0], /DATABASE_URL="mysql:\/\/nope"/)
  t.notMatch(run.stderr, /at .*\.ts:\d+/, 'no stack frames')
})

t.test('production without the master token names the variable', async t => {
  const run = await serve({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@127.0.0.1:1/x' })
  t.equal(run.code, 78)
  t.match(run.stderr, /TENSORPIX_TOKEN is required when NODE_ENV=production/)
})

t.test('an unreachable database stops startup with a sentence', async t => {
  const run = await serve({ DATABASE_URL: 'postgres://x@127.0.0.1:1/x', LOG_LEVEL: 'silent' })
  t.equal(run.code, 1)
  t.match(run.stderr, /^tpx-gateway: startup failed: /m)
})
