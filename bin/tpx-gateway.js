#!/usr/bin/env node
// Runs the JavaScript that `npm run build` wrote to dist/ when it was built from the sources here (or when there are
// no sources, as in the Docker image). A checkout that was never built, or was edited since, runs its TypeScript
// sources through tsx instead, with a notice; production never does: it refuses, so a production process is only
// ever the built JavaScript. `npm start` builds first when needed (its prestart script).
import path from 'node:path'
import { distState } from './dist-state.js'

const root = path.resolve(import.meta.dirname, '..')
const state = distState(root)

if (state === 'current') {
  await import('../dist/cli/main.js')
} else {
  const why = state === 'missing' ? 'dist/ is not built' : 'dist/ is older than the sources'
  if (process.env.NODE_ENV === 'production') {
    console.error(`tpx-gateway: ${why}; run \`npm run build\` (with the dev dependencies installed) first`)
    process.exit(1)
  }
  console.error(`tpx-gateway: ${why}: running the TypeScript sources through tsx (\`npm run build\` compiles them)`)
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli/main.ts')
}
