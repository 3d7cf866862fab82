// The dashboard's assets, read once per process and kept in memory. The built gateway reads the script that
// `npm run build` bundled into static/app.js beside the other static files; the TypeScript sources bundle it
// from client/ with esbuild on first request, so what a test or a checkout serves is always the source that is there.
import { readFile } from 'node:fs/promises'
import path from 'node:path'

const HERE = import.meta.dirname
// this file is dist/dashboard/bundle.js in the build and src/dashboard/bundle.ts in the sources
const FROM_SOURCES = import.meta.url.endsWith('.ts')

export interface Asset { body: Buffer, type: string }
export type Assets = ReadonlyMap<string, Asset>

const STATIC_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml'
}

/** Where `npm run build` writes the bundled script, relative to this file. */
export const BUILT_SCRIPT = 'static/app.js'

async function script (): Promise<Buffer> {
  if (!FROM_SOURCES) return readFile(path.join(HERE, BUILT_SCRIPT))
  const { bundleClient } = await import('./client-bundle.ts')
  return bundleClient()
}

async function loadAssets (): Promise<Assets> {
  const assets = new Map<string, Asset>()
  assets.set('app.js', { body: await script(), type: 'text/javascript; charset=utf-8' })
  for (const [name, type] of Object.entries(STATIC_FILES)) {
    assets.set(name, { body: await readFile(path.join(HERE, 'static', name)), type })
  }
  return assets
}

let loading: Promise<Assets> | null = null

/** The assets, loaded once per process; a failed load is retried on the next request. */
export function dashboardAssets (): Promise<Assets> {
  loading ??= loadAssets().catch(err => {
    loading = null
    throw err
  })
  return loading
}
