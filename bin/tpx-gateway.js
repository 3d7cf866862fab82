#!/usr/bin/env node
// The sources are TypeScript run through tsx (no build step), so `npm install && npm start` is all it takes.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
