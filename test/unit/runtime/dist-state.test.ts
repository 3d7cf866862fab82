// When bin/tpx-gateway.js runs dist/ and when `npm start` rebuilds: dist/ is current only while nothing the build
// reads has changed since (by content: a file rewritten unchanged leaves it current), and an image (dist/ without
// sources) is always current.
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { distState, sourceFingerprint, STAMP } from '../../../bin/dist-state.js'
import type { Teardown } from '../../helpers/teardown.ts'

async function project (t: Teardown): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'dist-state-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  await mkdir(path.join(root, 'src/cli'), { recursive: true })
  await writeFile(path.join(root, 'src/cli/main.ts'), 'console.log(1)\n')
  await writeFile(path.join(root, 'package.json'), '{}\n')
  return root
}

async function build (root: string) {
  await mkdir(path.join(root, 'dist/cli'), { recursive: true })
  await writeFile(path.join(root, 'dist/cli/main.js'), 'console.log(1)\n')
  await writeFile(path.join(root, 'dist', STAMP), `${sourceFingerprint(root)}\n`)
}

t.test('nothing built is missing; a build of these sources is current', async t => {
  const root = await project(t)
  t.equal(distState(root), 'missing')
  await build(root)
  t.equal(distState(root), 'current')
})

/** Writes new content of the same size and puts the file's times back, as a restore from an archive may. */
async function editKeepingTimes (file: string, content: string) {
  const before = await stat(file)
  await writeFile(file, content)
  await utimes(file, before.atime, before.mtime)
}

t.test('an edit, an added file, a deleted file or an added input makes the build stale', async t => {
  const root = await project(t)
  const main = path.join(root, 'src/cli/main.ts')
  const changes: Array<[string, () => Promise<void>]> = [
    ['edited', () => writeFile(main, 'console.log(2)\n')],
    ['edited, same size and time', () => editKeepingTimes(main, 'console.log(3)\n')],
    ['added', () => writeFile(path.join(root, 'src/cli/other.ts'), '')],
    ['deleted', () => rm(path.join(root, 'src/cli/other.ts'))],
    ['tsconfig added', () => writeFile(path.join(root, 'tsconfig.build.json'), '{}')]
  ]
  for (const [what, change] of changes) {
    await build(root)
    await change()
    t.equal(distState(root), 'stale', what)
  }
})

t.test('a file rewritten with the same content, as npm prune does to the lockfile, leaves the build current', async t => {
  const root = await project(t)
  await build(root)
  await utimes(path.join(root, 'package.json'), new Date(0), new Date(0))
  await writeFile(path.join(root, 'src/cli/main.ts'), 'console.log(1)\n')
  t.equal(distState(root), 'current')
})

t.test('a build without a fingerprint is stale; a build without sources (the image) is current', async t => {
  const root = await project(t)
  await build(root)
  await rm(path.join(root, 'dist', STAMP))
  t.equal(distState(root), 'stale')
  await rm(path.join(root, 'src'), { recursive: true })
  t.equal(distState(root), 'current')
})
