// Whether dist/ (what `npm run build` writes) was built from the sources that are here. The build records a
// fingerprint of its inputs' paths and contents. Contents, not modification times: npm rewrites an unchanged
// package-lock.json (`npm prune`), and a copy or checkout may keep or reset times, so times would call a build stale
// that is not, or current when an edit kept size and time. Hashing the ~3 MB costs tens of ms, at start-up of a
// checkout only: the Docker image has no sources to compare.
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
    yield rel
    return
  }
  for (const name of readdirSync(path.join(root, rel)).sort()) yield * files(root, `${rel}/${name}`)
}

export function sourceFingerprint (root) {
  const hash = createHash('sha256')
  for (const input of INPUTS) {
    for (const rel of files(root, input)) {
      const content = readFileSync(path.join(root, rel))
      // the path and length first, so no two different trees hash the same bytes
      hash.update(`${rel}\0${content.length}\0`).update(content)
    }
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
