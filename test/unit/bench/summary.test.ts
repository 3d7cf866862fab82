// The bench's arithmetic and its refusal to run beside other gateways: the parts of bench/ that decide what a
// published figure says.
import t from 'tap'
import { pairwise, percentile, relativeWidth, spread } from '../../../bench/stats.ts'
import { isBenchDisturber } from '../../../bench/processes.ts'
import { markdownReport, type Measurement, type Report } from '../../../bench/report.ts'
import { readSettings } from '../../../bench/settings.ts'

t.test('percentiles are nearest-rank over sorted values', async t => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1)
  t.equal(percentile(values, 0.5), 50)
  t.equal(percentile(values, 0.99), 99)
  t.equal(percentile(values, 1), 100)
  t.equal(percentile([7], 0.99), 7)
  t.equal(percentile([], 0.5), 0)
})

t.test('a spread is the median with min and max, leaving out rounds that gave nothing', async t => {
  t.same(spread([3, 1, 2]), { median: 2, min: 1, max: 3 })
  t.same(spread([4, 1, 2, 3]), { median: 2.5, min: 1, max: 4 })
  t.same(spread([NaN, 5, 1]), { median: 3, min: 1, max: 5 })
  t.ok(Number.isNaN(spread([NaN]).median))
})

t.test('ratios and differences are taken round by round, not from the medians', async t => {
  // medians 200 and 100 would say 200 %; round by round the gateway ran at 100 %, 300 % and 180 %
  const ratio = pairwise([100, 300, 180], [100, 100, 100], (a, b) => a / b)
  t.same(ratio, { median: 1.8, min: 1, max: 3 })
  t.throws(() => pairwise([1], [1, 2], (a, b) => a - b), /rounds differ/)
  t.equal(relativeWidth({ median: 100, min: 95, max: 108 }), 0.08)
})

t.test('gateway, simulator and bench processes are disturbers; editors and shells are not', async t => {
  t.ok(isBenchDisturber(['/usr/bin/node', '/work/x/bin/tpx-gateway.js', 'serve']))
  t.ok(isBenchDisturber(['node', 'bin/tpx-gateway.js', 'simulator', '--port', '1']))
  t.ok(isBenchDisturber(['node', '--import', 'tsx', 'src/server.ts']))
  t.ok(isBenchDisturber(['/usr/bin/node', '--import=tsx', '/work/x/src/cli/main.ts', 'serve']), 'a test gateway')
  t.ok(isBenchDisturber(['/usr/bin/node', '--import', 'tsx', 'bench/bare-proxy.ts', '1', 'http://x', 't']))
  t.ok(isBenchDisturber(['node', '/work/main/node_modules/.bin/tsx', 'bench/reports-scale.ts']))
  t.notOk(isBenchDisturber(['node', 'bin/tpx-gateway.js', 'keys', 'list']), 'the CLI')
  t.notOk(isBenchDisturber(['vim', 'bench/run.ts']))
  t.notOk(isBenchDisturber(['sh', '-c', 'tsx bench/run.ts']))
  t.notOk(isBenchDisturber(['/usr/bin/node', 'test/integration/x.test.ts']))
})

t.test('BENCH_ONLY brings in the closed loop a fixed rate is taken from', async t => {
  t.same([...readSettings({ BENCH_ONLY: 'get-fixed' }).scenarios].sort(), ['get', 'get-fixed'])
  t.same([...readSettings({ BENCH_ONLY: '401,create-fixed' }).scenarios].sort(), ['401', 'create', 'create-fixed'])
  t.same([...readSettings({ BENCH_ONLY: 'get-fixed', BENCH_FIXED_RATE_GET: '500' }).scenarios], ['get-fixed'], 'not when the rate is given')
  t.throws(() => readSettings({ BENCH_ONLY: 'gett' }), /unknown scenario gett/)
  t.throws(() => readSettings({ BENCH_ROUNDS: '0' }), /BENCH_ROUNDS must be a positive number/)
})

const m = (rps: number, p50: number | null, p99: number | null, cpu: number | null = 100): Measurement =>
  ({ target: 'x', rps, p50, p99, cpuUsPerRequest: cpu, requests: rps * 10, statuses: {}, errors: 0 })

function report (comparisons: Report['comparisons']): Report {
  const { scenarios, ...settings } = readSettings({})
  return {
    at: '2026-12-01T00:00:00.000Z',
    command: 'npm run bench',
    commit: 'abc1234',
    machine: { cpus: 2, node: 'v20', loadBefore: [1, 1, 1], loadAfter: [2, 2, 2] },
    settings: { ...settings, scenarios: [...scenarios] },
    straysIgnored: [],
    comparisons,
    idle: { gatewayMb: 140, bareProxyMb: 80, helloWorldMb: 70 },
    loaded: { gatewayMb: 190, bareProxyMb: 90 }
  }
}

t.test('the table gives each figure against its limit, with the ratio range over the rounds', async t => {
  const table = markdownReport(report({
    get: { name: 'get', a: [m(900, 5, 20), m(1000, 5, 20), m(1100, 5, 20)], b: [m(1000, 4, 10), m(1000, 4, 10), m(1000, 4, 10)] }
  }), 'bench/results/x.json')
  t.match(table, /\| `GET \/api\/jobs\/\{id\}\/`, a running job \(50 connections\) \| 1,000 req\/s \(900–1,100\), p50 5 ms, p99 20 ms \| bare proxy 1,000 req\/s/)
  t.match(table, /\*\*100 %\*\* \(90–110 %\)/)
  t.match(table, /RSS at 1,000 keep-alive connections, after the create load \| 190 MB \| bare proxy 90 MB/)
  t.match(table, /`npm run bench` at 2026-12-01T00:00:00.000Z \(commit abc1234, `bench\/results\/x.json`\): 3 interleaved rounds/)
})

t.test('a fixed rate reports the added latency, and says when the gateway could not keep up', async t => {
  const keptUp = markdownReport(report({
    'get-fixed': { name: 'f', rate: 400, a: [m(400, 3, 9), m(400, 3, 11), m(400, 3, 10)], b: [m(400, 2, 5), m(400, 2, 5), m(400, 2, 5)] }
  }), 'f.json')
  t.match(keptUp, /added p50 \*\*\+1 ms\*\* \(\+1–\+1\), p99 \*\*\+5 ms\*\* \(\+4–\+6\)/)
  t.notMatch(keptUp, /overloaded/)
  const behind = markdownReport(report({
    'create-fixed': { name: 'f', rate: 400, a: [m(0, null, null, null), m(100, 900, 9000)], b: [m(400, 2, 5), m(400, 2, 5)] }
  }), 'f.json')
  t.match(behind, /answered 50 of 400 req\/s: overloaded/)
  t.match(behind, /p99 \*\*\+8,995 ms\*\*/, 'a round without answers is left out, not read as 0 ms')
})
