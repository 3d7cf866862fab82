// Every query of the Grafana board names only metrics the gateway exports, and only labels those carry. The names
// come from a real scrape of a test gateway that has answered traffic and holds a row of each kind its database
// figures read, so that every labelled series has a sample to take its label names from.
import t from 'tap'
import { boardQueries, readBoard, type BoardQuery } from '../../helpers/grafana-board.ts'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'
import { makeKey } from '../../helpers/factories.ts'
import { client } from '../../helpers/http.ts'
import { parseMetrics } from '../../helpers/prometheus.ts'
import { promqlReferences, withGrafanaVariables } from '../../helpers/promql.ts'

interface Exposition {
  /** every metric family, by name, with its type */
  families: Map<string, string>
  /** label names of the samples of each series name (a histogram's are its _bucket, _sum and _count) */
  labels: Map<string, Set<string>>
}

function readExposition (text: string): Exposition {
  const families = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name as string, type as string]))
  const labels = new Map<string, Set<string>>()
  for (const sample of parseMetrics(text)) {
    const names = labels.get(sample.name) ?? new Set<string>()
    for (const label of Object.keys(sample.labels)) names.add(label)
    labels.set(sample.name, names)
  }
  return { families, labels }
}

function selectable ({ families }: Exposition): Set<string> {
  return new Set([...families].flatMap(([name, type]) =>
    type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name]))
}

// every scraped series also carries the labels Prometheus gives its target (deploy/prometheus/prometheus.yml)
const TARGET_LABELS = ['job', 'instance']

function problemsOf (query: BoardQuery, exposition: Exposition): string[] {
  const references = promqlReferences(withGrafanaVariables(query.expr))
  const problems = references.errors.map(offset => `does not parse (at ${offset})`)
  if (references.selectors.length === 0) problems.push('selects no metric')
  const names = selectable(exposition)
  const carried = new Set(TARGET_LABELS)
  for (const { metric, labels } of references.selectors) {
    if (!names.has(metric)) {
      problems.push(`${metric || 'a selector without a metric name'}: not exported by the gateway`)
      continue
    }
    const own = exposition.labels.get(metric)
    if (!own) {
      problems.push(`${metric}: no sample in the scrape to read its labels from (give the test gateway one)`)
      continue
    }
    for (const label of own) carried.add(label)
    for (const label of labels) if (!own.has(label) && !TARGET_LABELS.includes(label)) problems.push(`${metric} has no label ${label}`)
  }
  for (const label of [...references.grouping, ...(query.label ? [query.label] : [])]) {
    if (!carried.has(label)) problems.push(`uses label ${label}, which none of its metrics carries`)
  }
  return problems
}

t.test('the board queries only what the gateway exports', async t => {
  const bed = await dataPlaneBed(t)
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  const created = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(created.status, 201, 'a create: request, upstream and ledger figures')
  t.equal((await bed.api.get(`/api/jobs/${String(created.body.id)}/`)).status, 200)
  // a row for each labelled database figure that no request makes: an over-budget cancel and an account check
  await bed.gw.db.job.updateMany({ where: { upstreamId: Number(created.body.id) }, data: { overBudgetCancel: 'pending', overspentCredits: '0' } })
  await bed.gw.db.accountCheck.create({
    data: {
      checkedAt: new Date(),
      balance: '0',
      ledgerNet: '0',
      outsideCost: '0',
      topUps: '0',
      intervalDrift: '0',
      cumulativeDrift: '0',
      createsInFlight: 0,
      listedJobs: 0,
      listingComplete: true
    }
  })
  const scraped = await client(bed.gw.app, admin.key, 'Bearer').get('/metrics')
  t.equal(scraped.status, 200)
  const exposition = readExposition(scraped.text)

  const queries = boardQueries(readBoard())
  t.ok(queries.length >= 30, `${queries.length} queries on the board`)
  for (const query of queries) t.same(problemsOf(query, exposition), [], `${query.where}: ${query.expr}`)

  const used = new Set(queries.flatMap(q => promqlReferences(withGrafanaVariables(q.expr)).selectors)
    .map(selector => selector.metric))
  const unshown = [...exposition.families.keys()].filter(name => name.startsWith('tpx_') &&
    ![name, `${name}_bucket`, `${name}_sum`, `${name}_count`].some(series => used.has(series)))
  t.same(unshown, ['tpx_cancel_measurements_total'], 'every gateway metric is on the board but the cancel measurements')

  t.test('and the check finds what is wrong', async t => {
    const check = (expr: string, label?: string) => problemsOf({ where: 'test', expr, ...(label ? { label } : {}) }, exposition)
    t.same(check('sum(rate(tpx_no_such_metric_total[5m]))'), ['tpx_no_such_metric_total: not exported by the gateway'])
    t.same(check('tpx_team_budget_credits{tenant="a"}'), ['tpx_team_budget_credits has no label tenant'])
    t.same(check('sum by (tenant) (tpx_team_budget_credits)'), ['uses label tenant, which none of its metrics carries'])
    t.same(check('tpx_team_budget_credits', 'tenant'), ['uses label tenant, which none of its metrics carries'])
    t.same(check('tpx_http_request_duration_seconds'), ['tpx_http_request_duration_seconds: not exported by the gateway'],
      'a histogram is selected by its series, not its family name')
    t.match(check('sum(rate(tpx_http_requests_total[5m])'), [/^does not parse/])
    t.same(check('1 + 1'), ['selects no metric'])
    t.same(check('sum by (le) (rate(tpx_upstream_request_duration_seconds_bucket{job="$job"}[$__rate_interval]))'), [],
      'Grafana variables, target labels and a histogram bucket pass')
  })
})
