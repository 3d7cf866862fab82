// The bench's settings, read once from BENCH_* variables (README, Benchmarks): BENCH_ROUNDS (3), BENCH_DURATION
// (s per measurement, 10), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (closed loop, 50), BENCH_FIXED_RATE_FRACTION (0.4)
// or BENCH_FIXED_RATE_GET / BENCH_FIXED_RATE_CREATE (req/s), BENCH_ONLY (comma-separated SCENARIOS),
// BENCH_PROFILE_DIR (a CPU profile of the gateway), BENCH_IGNORE_STRAYS=1 (run beside other gateways; recorded).
export const SCENARIOS = ['startup', 'get', 'get-fixed', 'create', 'create-50', 'create-fixed', 'memory', '401'] as const
export type Scenario = typeof SCENARIOS[number]

function positive (env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not ${env[name]}`)
  return value
}

export interface Settings {
  rounds: number
  durationS: number
  warmupS: number
  connections: number
  // the fixed rate of the open-loop scenarios, as a fraction of the bare proxy's closed-loop throughput, unless
  // set in req/s (the same rate in every run, for figures that compare across runs)
  fixedRateFraction: number
  fixedRate: { get: number | undefined, create: number | undefined }
  heldConnections: number
  teams: number
  // the open loop gives up on an answer after this long, and never has more than this many requests outstanding
  openTimeoutMs: number
  openMaxInFlight: number
  scenarios: Set<Scenario>
  profileDir: string | undefined
  ignoreStrays: boolean
}

function scenariosOf (only: string | undefined): Set<Scenario> {
  const names = only?.split(',').map(s => s.trim()).filter(Boolean)
  if (!names) return new Set(SCENARIOS)
  const unknown = names.filter(s => !(SCENARIOS as readonly string[]).includes(s))
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`)
  const wanted = new Set(names as Scenario[])
  return wanted
}

// a fixed rate not given is a fraction of the bare proxy's capacity, which the closed-loop scenario measures
function withRateSources (wanted: Set<Scenario>, env: NodeJS.ProcessEnv): Set<Scenario> {
  if (wanted.has('get-fixed') && !env.BENCH_FIXED_RATE_GET) wanted.add('get')
  if (wanted.has('create-fixed') && !env.BENCH_FIXED_RATE_CREATE) wanted.add('create')
  return wanted
}

export function readSettings (env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    rounds: Math.round(positive(env, 'BENCH_ROUNDS', 3)),
    durationS: positive(env, 'BENCH_DURATION', 10),
    warmupS: positive(env, 'BENCH_WARMUP', 2),
    connections: Math.round(positive(env, 'BENCH_CONNECTIONS', 50)),
    fixedRateFraction: positive(env, 'BENCH_FIXED_RATE_FRACTION', 0.4),
    fixedRate: {
      get: env.BENCH_FIXED_RATE_GET ? positive(env, 'BENCH_FIXED_RATE_GET', 1) : undefined,
      create: env.BENCH_FIXED_RATE_CREATE ? positive(env, 'BENCH_FIXED_RATE_CREATE', 1) : undefined
    },
    heldConnections: 1000,
    teams: 50,
    openTimeoutMs: 10_000,
    openMaxInFlight: 256,
    scenarios: withRateSources(scenariosOf(env.BENCH_ONLY), env),
    profileDir: env.BENCH_PROFILE_DIR,
    ignoreStrays: env.BENCH_IGNORE_STRAYS === '1'
  }
}

/** The command that reproduces a run: its BENCH_* settings and `npm run bench`. */
export function commandLine (env: NodeJS.ProcessEnv = process.env): string {
  const settings = Object.entries(env).filter(([name]) => name.startsWith('BENCH_')).map(([name, value]) => `${name}=${value}`)
  return [...settings.sort(), 'npm run bench'].join(' ')
}
