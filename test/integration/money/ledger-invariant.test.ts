// The ledger invariant after a mixed workload: for every team and period,
//   held = Σhold − Σrelease, charged = Σcharge − Σrefund, adjusted = Σadjust
// Workload: finished, failed and cancelled jobs, a preview, an upstream 5xx and an upstream 400, a 402, an admin
// budget adjustment, and a job of a daily-budget team whose hold was placed "yesterday" and settled today.
import t from 'tap'
import { Decimal } from 'decimal.js'
import { makeKey, makeTeamWithKey } from '../../helpers/factories.ts'
import { client } from '../../helpers/http.ts'
import { assertBooks, invariantRows, ledgerNetByTeam, moveJobToYesterday } from '../../helpers/ledger.ts'
import { moneyBed } from '../../helpers/money-bed.ts'

t.test('after a mixed workload every usage row equals its re-summed ledger', async t => {
  const { sim, clip, gw, origin, cost } = await moneyBed(t)
  const db = gw.db

  const open = { urlPolicy: { httpsOnly: false } }
  const { team: main, key: mainKey } = await makeTeamWithKey(db, {
    slug: 'main', budgetCredits: '1', maxJobCost: cost.times(3).toFixed(4), ...open
  })
  const { key: tightKey } = await makeTeamWithKey(db, {
    slug: 'tight', budgetCredits: cost.times(1.5).toFixed(4), maxJobCost: cost.toFixed(4), ...open
  })
  const { team: daily, key: dailyKey } = await makeTeamWithKey(db, {
    slug: 'daily', budgetPeriod: 'day', budgetCredits: '1', maxJobCost: cost.toFixed(4), ...open
  })
  const admin = client(origin, (await makeKey(db, { scopes: ['admin'], name: 'money-admin' })).key)
  const [mainApi, dailyApi] = [client(origin, mainKey.key), client(origin, dailyKey.key)]

  const create = async (key: string, extra: Record<string, unknown> = {}) =>
    client(origin, key).post('/api/jobs/from-url/', { json: { ...clip.body(), ...extra } })
  const created = async (key: string, extra: Record<string, unknown> = {}) => {
    const res = await create(key, extra)
    t.equal(res.status, 201, 'created')
    return Number(res.body.id)
  }

  // finished, failed, cancelled (while queued)
  const finished = await created(mainKey.key)
  const failed = await created(mainKey.key)
  const cancelled = await created(mainKey.key)
  await sim.complete(finished)
  await sim.fail(failed)
  t.equal((await mainApi.get(`/api/jobs/${finished}/`)).body.status, 2)
  t.equal((await mainApi.get(`/api/jobs/${failed}/`)).body.status, -1)
  t.equal((await mainApi.delete(`/api/jobs/${cancelled}/`)).status, 204, 'cancelled')
  t.equal((await mainApi.get(`/api/jobs/${cancelled}/`)).body.status, -2)

  // a preview holds and costs nothing
  const preview = await created(mainKey.key, { preview: true })
  const previewJob = await db.job.findFirstOrThrow({ where: { upstreamId: preview } })
  t.equal(await db.ledgerEntry.count({ where: { jobId: previewJob.id } }), 0, 'a preview writes no ledger row')

  // refused upstream: throttled (hold released, retryable) and a 400 (hold released, kept for replay); a 5xx is
  // not a refusal (it may follow a saved job: test/integration/money/ambiguous-create-answers.test.ts)
  await sim.fault({ kind: 'rate_limit', route: 'POST /api/jobs/from-url/', retryAfterSeconds: 1, times: 1 })
  t.equal((await create(mainKey.key)).status, 429, 'a throttled create answers 429')
  const bad = await create(mainKey.key, { video_url: clip.url().replace('.mp4', '.missing.mp4') })
  t.equal(bad.status, 400, 'an upstream 400 is passed on')
  t.equal(await db.job.count({ where: { teamId: main.id, state: 'rejected' } }), 2, 'both are rejected jobs')

  // an admin adjustment, in and out
  for (const amount of ['2.5', '-0.25']) {
    const json = { amount, reason: `acceptance ${amount}` }
    const res = await admin.post('/admin/v1/teams/main/budget/adjustments', { json })
    t.equal(res.status, 201, `adjustment ${amount} recorded`)
  }

  // a 402: the tight team has room for one job
  await created(tightKey.key)
  const refused = await create(tightKey.key)
  t.equal(refused.status, 402, 'over budget: 402')
  t.match(refused.body.detail, /credits remaining/)

  // period boundary: a daily team's job whose hold and charge were written "yesterday", failed and settled today
  const late = await created(dailyKey.key)
  const lateJob = await moveJobToYesterday(db, late)
  const yesterday = lateJob.yesterday
  await sim.fail(late)
  t.equal((await dailyApi.get(`/api/jobs/${late}/`)).body.status, -1)
  const refund = await db.ledgerEntry.findFirst({ where: { jobId: lateJob.jobId, kind: 'refund' } })
  t.equal(refund?.periodStart.toISOString().slice(0, 10), yesterday.toISOString().slice(0, 10), 'the refund goes to the period of the hold (yesterday)')
  const dailyRows = (await invariantRows(db)).filter(r => r.teamId === daily.id)
  t.equal(dailyRows.length, 2, 'the daily team has a row for yesterday and one for today')

  // the invariant, for every team and period
  const rows = await invariantRows(db)
  t.comment(`checked ${rows.length} team-period rows`)
  t.ok(rows.every(r => r.usage !== null), 'every team-period with ledger rows has a usage row')
  // for every team and period: usage = re-summed ledger; and the money agrees with the simulator
  await assertBooks(t, db, { sim })
  const adjusted = rows.find(r => r.teamId === main.id)?.ledger.adjusted
  t.equal(adjusted, '2.2500', 'main: adjusted = Σadjust = 2.5 − 0.25')

  // finished = cost, failed = 0, cancelled while queued = refunded in full
  const net = await ledgerNetByTeam(db)
  t.ok((net.get(main.id) ?? new Decimal(0)).equals(cost), `main pays for the finished job only (${cost.toFixed(4)})`)
})
