// npm run build: the gateway's JavaScript (tsc, tsconfig.build.json) and the dashboard's script (esbuild) written
// to dist/ ahead of time, with the sources' other files (static assets, the demo's sample video) beside them, so a
// production process runs plain JavaScript: no tsx, no esbuild, no TypeScript compile at start-up.
//   --if-stale   do nothing when dist/ is already a build of these sources (`npm start` runs this first)
//   --out DIR    write somewhere else than dist/ (the build test); DIR's parent stands for the project root
// The build is written to a sibling folder and swapped in at the end, so a failed build leaves the last good one.
import { execFileSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { cp, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { distState, sourceFingerprint, STAMP } from '../bin/dist-state.js'
import { bundleClient } from '../src/dashboard/client-bundle.ts'
import { BUILT_SCRIPT } from '../src/dashboard/bundle.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const SRC = path.join(ROOT, 'src')
// compiled by esbuild into one script, not by tsc file by file; nothing in it is needed beside the bundle
const CLIENT = path.join(SRC, 'dashboard/client')

const { values } = parseArgs({ options: { out: { type: 'string' }, 'if-stale': { type: 'boolean' } } })
const out = path.resolve(values.out ?? path.join(ROOT, 'dist'))
if (!path.relative(out, ROOT).startsWith('..') || out.startsWith(`${SRC}${path.sep}`)) {
  throw new Error(`refusing to build into ${out}: it would replace the project or its sources`)
}

/** Every file under src/ that tsc does not compile and the built gateway reads at run time. */
async function assets (): Promise<string[]> {
  return (await readdir(SRC, { recursive: true }))
    .map(rel => path.join(SRC, rel))
    .filter(file => !file.endsWith('.ts') && !file.startsWith(`${CLIENT}${path.sep}`) && statSync(file).isFile())
}

async function build () {
  const started = Date.now()
  // taken before compiling, so an edit made during the build leaves the result stale
  const fingerprint = sourceFingerprint(ROOT)
  const staging = `${out}.building-${process.pid}`
  await rm(staging, { recursive: true, force: true })
  try {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
    execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', staging], {
      stdio: 'inherit'
    })
    for (const file of await assets()) await cp(file, path.join(staging, path.relative(SRC, file)))
    const script = path.join(staging, 'dashboard', BUILT_SCRIPT)
    await mkdir(path.dirname(script), { recursive: true })
    await writeFile(script, await bundleClient())
    await writeFile(path.join(staging, STAMP), `${fingerprint}\n`)
    await rm(out, { recursive: true, force: true })
    await rename(staging, out)
  } catch (err) {
    await rm(staging, { recursive: true, force: true })
    throw err
  }
  console.log(`built ${path.relative(process.cwd(), out) || out} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

if (values['if-stale'] && distState(ROOT, out) === 'current') process.exit(0)
if (values['if-stale']) console.log('dist/ is missing or older than the sources: building it (npm run build)')
await build()
