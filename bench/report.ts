// What a bench run reports: the raw measurements of every round (the JSON in bench/results/), their medians with
// min–max, and the markdown table the README takes.
import { pairwise, spread, type Spread } from './stats.ts'
import type { Settings } from './settings.ts'

export interface Measurement {
  target: string
  // answers with the expected status per second
  rps: number
  // null when nothing was answered
  p50: number | null
  p99: number | null
  // the target process's own CPU time per answer (null for none): what it costs, whatever else competes for the cores
  cpuUsPerRequest: number | null
  requests: number
  statuses: Record<string, number>
  errors: number
  // the load generator's CPU over the measurement, in % of one core: near 100 it, not the target, is the limit
  generatorCpuPct?: number
  // open loop: requests due while the most allowed were outstanding, not sent
  dropped?: number
  startupMs?: number
}

/** A against B, round by round: a[i] and b[i] ran one after the other. */
export interface Comparison { name: string, a: Measurement[], b: Measurement[], rate?: number }

export interface Report {
  at: string
  command: string
  commit: string
  machine: { cpus: number, node: string, loadBefore: number[], loadAfter: number[] }
  settings: Omit<Settings, 'scenarios'> & { scenarios: string[] }
  straysIgnored: Array<{ pid: number, args: string }>
  comparisons: Partial<Record<string, Comparison>>
  idle: { gatewayMb: number, bareProxyMb: number, helloWorldMb: number }
  loaded: { gatewayMb: number, bareProxyMb: number } | null
}

type Field = 'rps' | 'p50' | 'p99' | 'cpuUsPerRequest' | 'startupMs' | 'dropped'
// a figure a round could not give (no answers) is NaN, which spread() leaves out
const of = (side: Measurement[], field: Field) => side.map(m => m[field] ?? NaN)

export interface Summary {
  gatewayRps: Spread,
  limitRps: Spread,
  ratio: Spread,
  gatewayP50: Spread,
  gatewayP99: Spread,
  limitP50: Spread,
  limitP99: Spread,
  addedP50: Spread,
  addedP99: Spread,
  gatewayCpuUs: Spread,
  limitCpuUs: Spread,
  gatewayStartupMs: Spread,
  limitStartupMs: Spread,
  gatewayDropped: Spread
}

export function summariseComparison (c: Comparison): Summary {
  return {
    gatewayRps: spread(of(c.a, 'rps')),
    limitRps: spread(of(c.b, 'rps')),
    ratio: pairwise(of(c.a, 'rps'), of(c.b, 'rps'), (a, b) => b === 0 ? 0 : a / b),
    gatewayP50: spread(of(c.a, 'p50')),
    gatewayP99: spread(of(c.a, 'p99')),
    limitP50: spread(of(c.b, 'p50')),
    limitP99: spread(of(c.b, 'p99')),
    addedP50: pairwise(of(c.a, 'p50'), of(c.b, 'p50'), (a, b) => a - b),
    addedP99: pairwise(of(c.a, 'p99'), of(c.b, 'p99'), (a, b) => a - b),
    gatewayCpuUs: spread(of(c.a, 'cpuUsPerRequest')),
    limitCpuUs: spread(of(c.b, 'cpuUsPerRequest')),
    gatewayStartupMs: spread(of(c.a, 'startupMs')),
    limitStartupMs: spread(of(c.b, 'startupMs')),
    gatewayDropped: spread(of(c.a, 'dropped'))
  }
}

export function summarise (report: Report): Record<string, Summary> {
  return Object.fromEntries(Object.entries(report.comparisons)
    .flatMap(([name, c]) => c ? [[name, summariseComparison(c)]] : []))
}

const int = (n: number) => Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US')
const ms = (n: number) => Number.isNaN(n) || n >= 100 ? int(n) : String(Math.round(n * 10) / 10)
const signed = (n: number) => Number.isNaN(n) ? 'n/a' : `${n >= 0 ? '+' : '−'}${ms(Math.abs(n))}`
const range = (s: Spread, format: (n: number) => string) => `${format(s.min)}–${format(s.max)}`
const percent = (n: number) => Number.isNaN(n) ? 'n/a' : `${Math.round(n * 100)}`

function throughput (rps: Spread, p50: Spread, p99: Spread): string {
  return `${int(rps.median)} req/s (${range(rps, int)}), p50 ${ms(p50.median)} ms, p99 ${ms(p99.median)} ms`
}

function closedRow (label: string, limit: string, s: Summary): string {
  return `| ${label} | ${throughput(s.gatewayRps, s.gatewayP50, s.gatewayP99)} | ${limit} ${throughput(s.limitRps, s.limitP50, s.limitP99)} | ` +
    `**${percent(s.ratio.median)} %** (${range(s.ratio, percent)} %) | ${int(s.gatewayCpuUs.median)} µs vs ${int(s.limitCpuUs.median)} µs |`
}

function fixedRow (label: string, c: Comparison, s: Summary): string {
  const rate = c.rate ?? 0
  // an open loop the gateway cannot keep up with: its latency is its queue's, and it says so
  const dropped = s.gatewayDropped.median > 0 ? `, ${int(s.gatewayDropped.median)} not sent` : ''
  const behind = s.gatewayRps.median < rate * 0.95
    ? ` (answered ${int(s.gatewayRps.median)} of ${int(rate)} req/s${dropped}: overloaded)`
    : ''
  return `| ${label} at a fixed ${int(rate)} req/s | p50 ${ms(s.gatewayP50.median)} ms, p99 ${ms(s.gatewayP99.median)} ms${behind} | ` +
    `bare proxy p50 ${ms(s.limitP50.median)} ms, p99 ${ms(s.limitP99.median)} ms | ` +
    `added p50 **${signed(s.addedP50.median)} ms** (${range(s.addedP50, signed)}), p99 **${signed(s.addedP99.median)} ms** (${range(s.addedP99, signed)}) | ` +
    `${int(s.gatewayCpuUs.median)} µs vs ${int(s.limitCpuUs.median)} µs |`
}

/** The README's table: one line per figure, each against its limit measured in the same run. */
export function markdownReport (report: Report, file: string): string {
  const { settings: st, machine } = report
  const c = report.comparisons
  const rows: string[] = []
  const closed = (name: string, label: string, limit: string) => {
    const comparison = c[name]
    if (comparison) rows.push(closedRow(label, limit, summariseComparison(comparison)))
  }
  const fixed = (name: string, label: string) => {
    const comparison = c[name]
    if (comparison) rows.push(fixedRow(label, comparison, summariseComparison(comparison)))
  }
  closed('get', `\`GET /api/jobs/{id}/\`, a running job (${st.connections} connections)`, 'bare proxy')
  fixed('get-fixed', '`GET /api/jobs/{id}/`')
  closed('create', `\`POST /api/jobs/from-url/\`, one team (${st.connections} connections)`, 'bare proxy')
  closed('create-50', `\`POST /api/jobs/from-url/\`, ${st.teams} teams (${st.connections} connections)`, 'bare proxy')
  fixed('create-fixed', '`POST /api/jobs/from-url/`, one team,')
  closed('401', `401, invalid key (${st.connections} connections)`, 'Fastify hello-world 401')
  if (report.loaded) {
    rows.push(`| RSS at ${int(st.heldConnections)} keep-alive connections, after the create load | ${report.loaded.gatewayMb} MB | ` +
      `bare proxy ${report.loaded.bareProxyMb} MB | | |`)
  }
  rows.push(`| RSS idle, after start-up | ${report.idle.gatewayMb} MB | bare proxy ${report.idle.bareProxyMb} MB, ` +
    `hello-world ${report.idle.helloWorldMb} MB | | |`)
  if (c.startup) {
    const s = summariseComparison(c.startup)
    rows.push(`| start-up to \`/readyz\`, external PostgreSQL | ${int(s.gatewayStartupMs.median)} ms (${range(s.gatewayStartupMs, int)}) | ` +
      `hello-world to its first answer ${int(s.limitStartupMs.median)} ms (${range(s.limitStartupMs, int)}) | | |`)
  }
  const load = (l: number[]) => l.map(n => n.toFixed(2)).join(', ')
  return [
    `\`${report.command}\` at ${report.at} (commit ${report.commit}, \`${file}\`): ${st.rounds} interleaved rounds of ` +
      `${st.durationS} s per figure, medians (min–max over the rounds; a ratio or an added latency is taken round by ` +
      `round). ${machine.cpus} cores, Node ${machine.node}, load average ${load(machine.loadBefore)} before and ` +
      `${load(machine.loadAfter)} after${report.straysIgnored.length ? `; ${report.straysIgnored.length} other gateway/bench processes were running` : ''}.`,
    '',
    '| path | gateway | limit, same run | gateway vs limit | CPU per request, gateway vs limit |',
    '|---|---|---|---|---|',
    ...rows
  ].join('\n')
}
