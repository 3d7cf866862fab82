// How the dashboard's browser code is bundled: esbuild over the TypeScript in client/, one minified ES module.
// `npm run build` writes it into dist/; a process running the TypeScript sources (tests, a checkout that was
// not built) bundles it here on first request instead. Never loaded by the built gateway, so esbuild is a
// build-time tool only.
import path from 'node:path'
import { build } from 'esbuild'

export async function bundleClient (): Promise<Buffer> {
  const result = await build({
    entryPoints: [path.join(import.meta.dirname, 'client/main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent'
  })
  const output = result.outputFiles[0]
  if (!output) throw new Error('esbuild produced no output for the dashboard')
  return Buffer.from(output.contents)
}
