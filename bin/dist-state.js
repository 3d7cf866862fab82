// Whether dist/ (what `npm run build` writes) was built from the sources that are here. The build records a
// fingerprint of its inputs' paths, sizes and modification times; comparing it costs a stat per file (a few ms),
// not a hash of their contents, and any edit, added or deleted file, checkout or install changes it.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

/** What the build reads: a change to any of them makes dist/ stale. */
const INPUTS = ['src', 'scripts/build.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json']

/** The file in dist/ that holds the fingerprint of the sources it was built from. */
export const STAMP = 'build-fingerprint'

function * files (root, rel) {
  const stat = statSync(path.join(root, rel), { throwIfNoEntry: false })
  if (!stat) return
  if (!stat.isDirectory()) {
    yield [rel, stat]
    return
  }
  for (const name of readdirSync(path.join(root, rel)).sort()) yield * files(root, `${rel}/${name}`)
}

export function sourceFingerprint (root) {
  const hash = createHash('sha256')
  for (const input of INPUTS) {
    for (const [rel, stat] of files(root, input)) hash.update(`${rel}\0${stat.size}\0${stat.mtimeMs}\n`)
  }
  return hash.digest('hex')
}

/**
 * 'current' when dist/ holds a build of the sources here, or holds a build and there are no sources (the Docker
 * image ships dist/ alone); 'missing' when nothing is built; 'stale' when the sources changed since the build.
 */
export function distState (root, dist = path.join(root, 'dist')) {
  if (!existsSync(path.join(dist, 'cli/main.js'))) return 'missing'
  if (!existsSync(path.join(root, 'src'))) return 'current'
  const stamp = path.join(dist, STAMP)
  if (!existsSync(stamp)) return 'stale'
  return readFileSync(stamp, 'utf8').trim() === sourceFingerprint(root) ? 'current' : 'stale'
}
