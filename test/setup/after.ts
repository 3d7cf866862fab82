import { existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { stopTestPostgres } from '../helpers/embedded-test-postgres.ts'
import { readScan, scan } from '../helpers/secret-scan.ts'

// the run's secret scan: logs, answers and records of every test gateway against every secret issued or held
const { findings, secrets, scanned } = scan(readScan())
console.log(`secret scan: ${scanned} lines against ${secrets} secrets, ${findings.length} found`)
for (const finding of findings.slice(0, 20)) console.error(`SECRET LEAK in ${finding.kind}: ${finding.secret} …${finding.excerpt}…`)
if (findings.length > 0) process.exitCode = 1

const stateFile = path.resolve(import.meta.dirname, '../../.data/test-db.json')
if (existsSync(stateFile)) {
  const { embedded } = JSON.parse(readFileSync(stateFile, 'utf8')) as { embedded: boolean }
  rmSync(stateFile)
  if (embedded) await stopTestPostgres()
}
