// The dashboard's browser code, bundled with esbuild from the TypeScript in client/ when first asked for and kept in
// memory: nothing generated is checked in or written to disk, so what runs is always the source that is there.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { build } from 'esbuild'

const HERE = import.meta.dirname

export interface Asset { body: Buffer, type: string }
export type Assets = ReadonlyMap<string, Asset>

const STATIC_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml'
}

async function bundleScript (): Promise<Buffer> {
  const result = await build({
    entryPoints: [path.join(HERE, 'client/main.ts')],
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

async function loadAssets (): Promise<Assets> {
  const assets = new Map<string, Asset>()
  assets.set('app.js', { body: await bundleScript(), type: 'text/javascript; charset=utf-8' })
  for (const [name, type] of Object.entries(STATIC_FILES)) {
    assets.set(name, { body: await readFile(path.join(HERE, 'static', name)), type })
  }
  return assets
}

let loading: Promise<Assets> | null = null

/** The assets, built once per process; a failed build is retried on the next request. */
export function dashboardAssets (): Promise<Assets> {
  loading ??= loadAssets().catch(err => {
    loading = null
    throw err
  })
  return loading
}
