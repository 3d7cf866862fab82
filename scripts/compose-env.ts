// compose.yaml as data: its services, and the environment a service gets once compose has interpolated it, so that
// `npm run replicas` (scripts/replicas.ts) runs the gateway with the compose file's own settings and the deploy
// tests check them (test/unit/deploy/compose.test.ts). Only the syntax the file uses is understood; anything else
// is refused rather than passed on uninterpolated.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'

export const COMPOSE_FILE = path.resolve(import.meta.dirname, '../compose.yaml')

type Scalar = string | number | boolean | null

export interface ComposeService {
  image?: string
  build?: unknown
  command?: string[]
  environment?: Record<string, Scalar>
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test?: string[], disable?: boolean }
  deploy?: { replicas?: number }
  ports?: string[]
  volumes?: string[]
}

export interface ComposeFile { name?: string, services: Record<string, ComposeService> }

/** The file with its anchors and merge keys (`<<:`) resolved, as compose reads it. */
export function readCompose (file = COMPOSE_FILE): ComposeFile {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile
}

// ${NAME}, ${NAME:-default} (unset or empty), ${NAME-default} (unset), and $$ for a literal $
const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$[{A-Za-z_]/g

/** One value as compose interpolates it from `env`. */
export function interpolate (value: string, env: NodeJS.ProcessEnv): string {
  type Groups = [name: string | undefined, operator: string | undefined, fallback: string | undefined]
  return value.replace(VARIABLE, (match, ...[name, operator, fallback]: Groups) => {
    if (match === '$$') return '$'
    if (name === undefined) throw new Error(`compose interpolation not supported here: ${value}`)
    const given = env[name]
    if (operator === ':-') return given === undefined || given === '' ? fallback ?? '' : given
    if (operator === '-') return given ?? fallback ?? ''
    return given ?? ''
  })
}

/** The environment of `service`, interpolated; an empty value counts as unset, as src/config.ts reads it. */
export function serviceEnvironment (compose: ComposeFile, service: string, env: NodeJS.ProcessEnv = process.env):
Record<string, string> {
  const declared = compose.services[service]?.environment
  if (!declared) throw new Error(`compose.yaml: service ${service} has no environment mapping`)
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(declared)) {
    const text = interpolate(String(value ?? ''), env)
    if (text !== '') result[name] = text
  }
  return result
}
