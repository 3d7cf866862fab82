import { existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { stopTestPostgres } from '../helpers/embedded-test-postgres.ts'

const stateFile = path.resolve(import.meta.dirname, '../../.data/test-db.json')
if (existsSync(stateFile)) {
  const { embedded } = JSON.parse(readFileSync(stateFile, 'utf8')) as { embedded: boolean }
  rmSync(stateFile)
  if (embedded) await stopTestPostgres()
}
