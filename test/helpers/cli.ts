// Runs `node bin/tpx-gateway.js …` with only the given environment (plus PATH).
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/tpx-gateway.js', import.meta.url))

export interface Run { code: number, stdout: string, stderr: string }

export function cli (args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise(resolve => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr })
    })
  })
}
