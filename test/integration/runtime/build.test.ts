// The compiled production runtime (issue 19): `npm run build` writes dist/, and a gateway laid out as the Docker
// image lays it out (package.json, bin/, dist/, prisma/, node_modules; no src/) starts from it, answers /readyz and
// serves the prebuilt dashboard script, and never loads tsx, esbuild or a TypeScript file. What it loads is
// recorded by a module-resolution hook preloaded into the process (and, for CommonJS, require.cache at exit);
// the same hook on the TypeScript runtime must see tsx, so the check is known to be able to fail.
import { execFile, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { freePort, waitForHealth } from '../../helpers/processes.ts'
import { createTestDatabase } from '../../helpers/test-database.ts'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const run = promisify(execFile)

// the build takes 10–30 s on a loaded two-core machine, and the gateway start a few more
t.setTimeout(240_000)

// Records every module URL resolved (ESM, in the hooks thread) and, at exit, every CommonJS module in require.cache.
const TRACE = `
import { appendFileSync } from 'node:fs'
import { createRequire, register } from 'node:module'
const log = process.env.MODULE_TRACE
register('data:text/javascript,' + encodeURIComponent(\`
  import { appendFileSync } from 'node:fs'
  export async function resolve (specifier, context, next) {
    const result = await next(specifier, context)
    appendFileSync(process.env.MODULE_TRACE, result.url + '\\\\n')
    return result
  }\`))
process.once('exit', () => {
  appendFileSync(log, Object.keys(createRequire(import.meta.url).cache).map(f => 'cjs:' + f + '\\n').join(''))
})
`

/** What a traced process loaded that a production process must not: tsx, esbuild, TypeScript sources. */
function forbidden (trace: string[]): string[] {
  return trace.filter(entry => /[/\\]node_modules[/\\](tsx|esbuild|@esbuild)[/\\]/.test(entry) || /\.[cm]?ts$/.test(entry))
}

function filesUnder (dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).filter(rel => statSync(path.join(dir, rel)).isFile())
}

t.test('the built gateway starts without tsx or esbuild and serves the prebuilt dashboard', async t => {
  const root = await mkdtemp(path.join(tmpdir(), 'tpx-build-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  const dist = path.join(root, 'dist')
  await run(process.execPath, ['--import=tsx', 'scripts/build.ts', '--out', dist], { cwd: ROOT, timeout: 180_000 })

  // every file that is not TypeScript ships beside the JavaScript (static pages, the demo's sample video)
  const assets = filesUnder(path.join(ROOT, 'src'))
    .filter(rel => !rel.endsWith('.ts') && !rel.startsWith(`dashboard${path.sep}client${path.sep}`))
  t.ok(assets.length >= 4, `assets found: ${assets.join(', ')}`)
  for (const rel of assets) t.ok(existsSync(path.join(dist, rel)), `dist/${rel}`)
  t.same(filesUnder(dist).filter(rel => rel.endsWith('.ts')), [], 'no TypeScript in dist/')

  // the image's layout: the built files and the production dependencies, no sources
  await mkdir(path.join(root, 'bin'))
  for (const file of ['tpx-gateway.js', 'dist-state.js']) await copyFile(path.join(ROOT, 'bin', file), path.join(root, 'bin', file))
  await copyFile(path.join(ROOT, 'package.json'), path.join(root, 'package.json'))
  await symlink(path.join(ROOT, 'prisma'), path.join(root, 'prisma'))
  await symlink(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'))
  await writeFile(path.join(root, 'trace.mjs'), TRACE)

  const database = await createTestDatabase()
  t.teardown(database.drop)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const traceLog = path.join(root, 'modules.log')
  const output: string[] = []
  const child = spawn(process.execPath, ['--import', path.join(root, 'trace.mjs'), 'bin/tpx-gateway.js', 'serve'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      // what the image runs: production refuses to fall back to the sources, and there are none here anyway
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      TENSORPIX_TOKEN: 'build-test-token',
      TENSORPIX_BASE_URL: 'http://127.0.0.1:9',
      HOST: '127.0.0.1',
      PORT: String(port),
      WORKERS: 'false',
      LOG_LEVEL: 'warn',
      MODULE_TRACE: traceLog
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = new Promise(resolve => child.once('exit', resolve))
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  child.stdout.on('data', chunk => output.push(String(chunk)))
  child.stderr.on('data', chunk => output.push(String(chunk)))

  try {
    await waitForHealth(url, 60_000, child)
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${output.join('')}`)
  }
  const ready = await fetch(`${url}/readyz`)
  t.equal(ready.status, 200, 'ready: the compiled Prisma client reaches the database')
  t.same(await ready.json(), { status: 'ok' })
  const script = await fetch(`${url}/dashboard/app.js`)
  t.equal(script.status, 200)
  t.ok((await script.arrayBuffer()).byteLength > 50_000, 'the bundled dashboard script (with Chart.js)')
  t.equal(await (await fetch(`${url}/dashboard/app.js`)).text(),
    await readFile(path.join(dist, 'dashboard/static/app.js'), 'utf8'), 'served from the file the build wrote')

  child.kill('SIGTERM')
  await exited
  const trace = (await readFile(traceLog, 'utf8')).split('\n').filter(Boolean)
  t.ok(trace.some(entry => entry.endsWith('/dist/cli/main.js')), 'the trace saw the built entry point')
  t.ok(trace.some(entry => entry.startsWith('cjs:')), 'the trace saw CommonJS modules')
  t.same(forbidden(trace), [], 'no tsx, esbuild or TypeScript file loaded')
})

t.test('the same trace on the TypeScript runtime sees tsx and .ts files', async t => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tpx-trace-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(path.join(dir, 'trace.mjs'), TRACE)
  const traceLog = path.join(dir, 'modules.log')
  await run(process.execPath, ['--import', path.join(dir, 'trace.mjs'), '--import=tsx', 'src/cli/main.ts', '--version'], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', MODULE_TRACE: traceLog }
  })
  const found = forbidden((await readFile(traceLog, 'utf8')).split('\n').filter(Boolean))
  t.ok(found.some(entry => entry.includes('/node_modules/tsx/')), 'tsx is seen')
  t.ok(found.some(entry => entry.endsWith('/src/cli/main.ts')), 'the TypeScript entry point is seen')
})
