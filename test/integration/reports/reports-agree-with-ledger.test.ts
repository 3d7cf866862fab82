// The reports agree with the ledger to the last 0.0001 credit: spend by team, key, day and model (from the
// rollups) against the ledger re-summed, job counts against the jobs, budgets against the period usage rows, and a
// reconciliation that finds zero drift, then exactly the drift that is planted. CSV equals JSON.
import t from 'tap'
import { Decimal } from 'decimal.js'
import { charge } from '../../../src/ledger/money.ts'
import { rollupTarget } from '../../../src/ledger/rollup.ts'
import { modelWeights, splitAmount } from '../../../src/ledger/model-split.ts'
import { findDrift } from '../../../src/reports/reconciliation.ts'
import { simulatorNet } from '../../helpers/ledger.ts'
import { reportsBed } from '../../helpers/reports-bed.ts'

const day = (d: Date) => d.toISOString().slice(0, 10)
type Row = Record<string, string | number>

/** RFC 4180 as the report writes it: CRLF records, quoted fields with doubled quotes. */
function parseCsv (text: string): string[][] {
  const records: string[][] = []
  let field = ''
  let record: string[] = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { record.push(field); field = '' } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field); records.push(record); record = []; field = ''; i++
    } else field += c
  }
  return records
}

t.test('spend, budgets and reconciliation agree with the ledger', async t => {
  const bed = await reportsBed(t)
  const db = bed.gw.db
  const range = `from=${day(bed.yesterday)}&to=${day(new Date(bed.today.getTime() + 86_400_000))}`
  const teams = new Map((await db.team.findMany()).map(team => [team.id, team]))

  // the ledger, re-summed by team × UTC day × key
  const ledger = await db.$queryRaw<Array<{ team_id: string, day: string, api_key_id: string, charged: string, refunded: string }>>`
    SELECT team_id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, api_key_id,
      COALESCE(SUM(amount) FILTER (WHERE kind = 'charge'), 0)::text AS charged,
      COALESCE(SUM(amount) FILTER (WHERE kind = 'refund'), 0)::text AS refunded
    FROM ledger_entries WHERE kind IN ('charge', 'refund') GROUP BY 1, 2, 3`
  const sumBy = (key: (r: typeof ledger[number]) => string) => {
    const sums = new Map<string, { charged: Decimal, refunded: Decimal }>()
    for (const r of ledger) {
      const s = sums.get(key(r)) ?? { charged: new Decimal(0), refunded: new Decimal(0) }
      sums.set(key(r), { charged: s.charged.plus(r.charged), refunded: s.refunded.plus(r.refunded) })
    }
    return new Map([...sums].map(([k, s]) => [k, {
      charged: s.charged.toFixed(4), refunded: s.refunded.toFixed(4), net: s.charged.minus(s.refunded).toFixed(4)
    }]))
  }
  const money = (row: Row) => ({ charged: row.charged, refunded: row.refunded, net: row.net })
  const slug = (teamId: string) => teams.get(teamId)?.slug ?? '?'

  await t.test('by team, with job counts', async t => {
    const res = await bed.get(`/admin/v1/reports/spend?${range}&group_by=team`)
    t.equal(res.status, 200)
    const rows = res.body.rows as Row[]
    t.same(rows.map(r => r.team), ['alpha', 'beta', 'daily'], 'one row per team, by slug')
    const expected = sumBy(r => slug(r.team_id))
    for (const row of rows) t.same(money(row), expected.get(String(row.team)), `${row.team}: the ledger's charged, refunded, net`)
    const jobs = await db.job.groupBy({ by: ['teamId', 'state'], _count: { _all: true } })
    const count = (team: string, states: string[]) =>
      jobs.filter(j => slug(j.teamId) === team && states.includes(j.state)).reduce((n, j) => n + j._count._all, 0)
    for (const row of rows) {
      const team = String(row.team)
      t.same([row.jobsCreated, row.jobsFinished, row.jobsFailed, row.jobsCancelled], [
        count(team, ['queued', 'processing', 'finished', 'failed', 'cancelled']),
        count(team, ['finished']), count(team, ['failed']), count(team, ['cancelled'])
      ], `${team}: created (accepted upstream), finished, failed, cancelled`)
    }
    t.equal(rows.find(r => r.team === 'beta')?.jobsCreated, 2, 'the refused create is not counted')
    const total = ledger.reduce((s, r) => s.plus(r.charged).minus(r.refunded), new Decimal(0))
    t.equal((res.body.totals as Row).net, total.toFixed(4), 'totals = the whole ledger')
  })

  await t.test('by day and team, by key, by month', async t => {
    const byDay = await bed.get(`/admin/v1/reports/spend?${range}&group_by=day,team`)
    const expected = sumBy(r => `${r.day}/${slug(r.team_id)}`)
    t.equal((byDay.body.rows as Row[]).length, expected.size, 'a row per day and team with money')
    for (const row of byDay.body.rows as Row[]) t.same(money(row), expected.get(`${row.day}/${row.team}`), `${row.day} ${row.team}`)

    const byKey = await bed.get(`/admin/v1/reports/spend?${range}&group_by=key&team=alpha`)
    const keyExpected = sumBy(r => r.api_key_id)
    const keyRows = byKey.body.rows as Row[]
    t.same(keyRows.map(r => r.keyName), ['batch, nightly', 'render-farm'], 'only alpha, by key name')
    for (const row of keyRows) {
      t.same(money(row), keyExpected.get(String(row.keyId)), `key ${row.keyName}`)
      t.match(row.keyPrefix, /^tgw_/)
    }
    const byMonth = await bed.get(`/admin/v1/reports/spend?${range}&group_by=month`)
    t.same(
      (byMonth.body.rows as Row[]).map(r => r.net).reduce((s, n) => s.plus(String(n)), new Decimal(0)).toFixed(4),
      (byMonth.body.totals as Row).net
    )
  })

  await t.test('by model: each movement split by cost weight, the rows add up to the total', async t => {
    const res = await bed.get(`/admin/v1/reports/spend?${range}&group_by=model`)
    const rows = res.body.rows as Row[]
    const totals = res.body.totals as Row
    for (const field of ['charged', 'refunded', 'net']) {
      t.equal(rows.reduce((s, r) => s.plus(String(r[field])), new Decimal(0)).toFixed(4), totals[field], `Σ model ${field} = total`)
    }
    // the same split, job by job, from the ledger rows and the jobs' recorded weights
    const expected = new Map<number, Decimal>()
    for (const job of await db.job.findMany({ include: { ledger: true } })) {
      t.ok(job.upstreamId === null || job.costWeights !== null, 'accepted jobs record their cost weights')
      for (const entry of job.ledger.filter(e => e.kind === 'charge' || e.kind === 'refund')) {
        const sign = entry.kind === 'charge' ? 1 : -1
        for (const share of splitAmount(
          new Decimal(entry.amount.toString()), modelWeights(job.mlModels, job.costWeights)
        )) {
          expected.set(share.modelId, (expected.get(share.modelId) ?? new Decimal(0)).plus(share.amount.times(sign)))
        }
      }
    }
    for (const row of rows) t.equal(row.net, expected.get(Number(row.modelId))?.toFixed(4), `model ${row.modelId} (${row.modelName})`)
    const denoise = rows.find(r => r.modelId === 41)
    t.equal(denoise?.modelName, 'AI Denoise', 'model names from the catalogue')
    t.ok(new Decimal(String(denoise?.net)).gt(0), 'the two-model job puts a share on its second model')
  })

  await t.test('CSV equals JSON, streamed with a header line', async t => {
    for (const groupBy of ['team', 'day,team', 'key', 'model', 'month,model']) {
      const json = await bed.get(`/admin/v1/reports/spend?${range}&group_by=${groupBy}`)
      const csv = await bed.text(`/admin/v1/reports/spend?${range}&group_by=${groupBy}&format=csv`)
      t.equal(csv.status, 200)
      t.match(csv.type, /^text\/csv/)
      const [header, ...records] = parseCsv(csv.body)
      t.ok(csv.body.endsWith('\r\n'), 'CRLF line ends')
      const rows = (json.body.rows as Row[]).map(r => header?.map(column => String(r[column] ?? '')))
      t.same(records, rows, `${groupBy}: same rows and columns`)
      t.same(header?.slice(-7), ['charged', 'refunded', 'net', 'jobsCreated', 'jobsFinished', 'jobsFailed', 'jobsCancelled'])
    }
    const accepted = await bed.text(`/admin/v1/reports/spend?${range}`, { accept: 'text/csv' })
    t.match(accepted.type, /^text\/csv/, 'Accept: text/csv')
    t.match(accepted.body, /"Alpha, Inc\."/, 'a comma is quoted')
    t.match(accepted.body, /"Beta ""B"""/, 'a quote is doubled')
  })

  await t.test('budgets: the period usage of each team, on both sides of the period boundary', async t => {
    const usage = await db.teamPeriodUsage.findMany()
    for (const at of [bed.today, bed.yesterday]) {
      const res = await bed.get(`/admin/v1/reports/budgets?at=${day(at)}`)
      t.equal(res.status, 200)
      for (const row of res.body.teams as Row[]) {
        const team = [...teams.values()].find(x => x.slug === row.team)
        const u = usage.find(x => x.teamId === team?.id && day(x.periodStart) === row.periodStart)
        const charged = new Decimal(u?.charged.toString() ?? 0)
        const held = new Decimal(u?.held.toString() ?? 0)
        t.same([row.charged, row.held], [charged.toFixed(4), held.toFixed(4)], `${row.team} at ${day(at)}: the usage row`)
        const budget = new Decimal(team?.budgetCredits.toString() ?? 0).plus(u?.adjusted.toString() ?? 0)
        t.equal(row.remaining, budget.minus(charged).minus(held).toFixed(4))
        t.equal(row.percentUsed, charged.plus(held).times(100).dividedBy(budget).toFixed(2))
      }
    }
    const yesterday = (await bed.get(`/admin/v1/reports/budgets?at=${day(bed.yesterday)}`)).body.teams as Row[]
    const late = yesterday.find(r => r.team === 'daily')
    t.same([late?.period, late?.periodStart, late?.periodEnd], ['day', day(bed.yesterday), day(bed.today)])
    t.equal(late?.charged, bed.cost.toFixed(4), 'the daily team paid yesterday for the job held yesterday')
    t.equal(late?.burnPerDay, bed.cost.toFixed(4), 'a one-day period burns its charge in one day')
    const alpha = ((await bed.get('/admin/v1/reports/budgets')).body.teams as Row[]).find(r => r.team === 'alpha')
    t.equal(alpha?.period, 'month')
    t.ok(alpha?.exhaustsOn === null || String(alpha?.exhaustsOn) >= day(bed.today), 'a forecast day, or none')
  })

  await t.test('reconciliation: zero drift, then exactly the planted drift', async t => {
    const clean = await bed.get(`/admin/v1/reports/reconciliation?${range}`)
    t.equal(clean.status, 200)
    t.equal(clean.body.driftJobs, 0, 'zero drift')
    const totals = clean.body.totals as Row
    const simNet = await simulatorNet(bed.sim)
    t.equal(totals.ledgerNet, simNet.toFixed(4), 'the ledger net = what the simulator charged the master account')
    t.same([totals.upstreamCost, totals.drift], [simNet.toFixed(4), '0.0000'])

    const job = await db.job.findFirstOrThrow({ where: { state: 'finished' } })
    await db.$transaction(tx => charge(tx, {
      ...rollupTarget(job), periodStart: job.periodStart, jobId: job.id, amount: new Decimal('0.0001'), reason: 'planted drift'
    }))
    const drifted = await bed.get(`/admin/v1/reports/reconciliation?${range}`)
    t.equal(drifted.body.driftJobs, 1)
    t.equal((drifted.body.totals as Row).drift, '0.0001')
    const team = (drifted.body.teams as Array<Row & { jobs: Row[] }>).find(x => x.jobs.length > 0)
    t.match(team?.jobs, [{ jobId: job.id, upstreamId: job.upstreamId, state: 'finished', drift: '0.0001' }])
    const drift = await findDrift(db, { from: bed.yesterday, to: new Date(bed.today.getTime() + 86_400_000) })
    t.match(drift, [{ jobId: job.id, team: team?.team, drift: '0.0001' }], 'findDrift, for a worker')
  })
})
