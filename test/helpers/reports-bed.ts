// A finance workload for the reports tests: three teams (two monthly, one daily), four team keys, jobs that finish,
// fail, are cancelled, keep running, or are refused upstream, a job with two ML models, and a job of the daily team
// moved to yesterday's period (a budget-period boundary). Everything over real HTTP through the simulator. Used by
// test/integration/reports/ and the reports CLI's test.
import type { Test } from 'tap'
import type { Decimal } from 'decimal.js'
import { JOB_SCOPES, makeKey, makeTeam } from './factories.ts'
import type { TestGateway } from './gateway.ts'
import { client, type Answer } from './http.ts'
import { moveJobToYesterday } from './ledger.ts'
import { moneyBed } from './money-bed.ts'
import type { TestSimulator } from './simulator.ts'

export interface ReportsBed {
  gw: TestGateway
  sim: TestSimulator
  origin: string
  finance: string
  admin: string
  teamKey: string
  cost: Decimal
  today: Date
  yesterday: Date
  /** a GET as the finance key (or `key`, sent as Token) */
  get (path: string, options?: { key?: string, headers?: Record<string, string> }): Promise<Answer>
  /** the raw body of a GET as the finance key (for CSV) */
  text (path: string, headers?: Record<string, string>): Promise<{ status: number, type: string | null, body: string }>
}

export async function reportsBed (t: Test): Promise<ReportsBed> {
  const { sim, clip, gw, origin, cost } = await moneyBed(t)
  const db = gw.db
  // the split by model uses the catalogue's cost weights as cached: read it once, as a running gateway has
  await gw.app.modelCatalog.models()
  const teamOptions = { maxJobCost: cost.times(4).toFixed(4), urlPolicy: { httpsOnly: false } }

  const alpha = await makeTeam(db, { slug: 'alpha', name: 'Alpha, Inc.', budgetCredits: '50', ...teamOptions })
  const beta = await makeTeam(db, {
    slug: 'beta', name: 'Beta "B"', budgetCredits: '20', budgetMode: 'soft', ...teamOptions
  })
  const daily = await makeTeam(db, {
    slug: 'daily', name: 'Daily', budgetPeriod: 'day', budgetCredits: '5', ...teamOptions
  })
  const alpha1 = await makeKey(db, { teamId: alpha.id, scopes: JOB_SCOPES, name: 'render-farm' })
  const alpha2 = await makeKey(db, { teamId: alpha.id, scopes: JOB_SCOPES, name: 'batch, nightly' })
  const betaKey = await makeKey(db, { teamId: beta.id, scopes: JOB_SCOPES, name: 'beta-main' })
  const dailyKey = await makeKey(db, { teamId: daily.id, scopes: JOB_SCOPES, name: 'daily-main' })
  const finance = await makeKey(db, { scopes: ['finance'], name: 'finance-reports' })
  const admin = await makeKey(db, { scopes: ['admin'], name: 'admin-reports' })

  let n = 0
  const create = async (key: string, mlModels: number[]) => {
    const json = { ...clip.body(n++), ml_models: mlModels }
    const res = await client(origin, key).post('/api/jobs/from-url/', { json })
    t.equal(res.status, 201, `created (${mlModels.join('+')})`)
    return Number(res.body.id)
  }
  const look = async (key: string, id: number, status: number) =>
    t.equal((await client(origin, key).get(`/api/jobs/${id}/`)).body.status, status, `job ${id} has status ${status}`)
  const finish = async (key: string, id: number) => { await sim.complete(id); await look(key, id, 2) }
  const fail = async (key: string, id: number) => { await sim.fail(id); await look(key, id, -1) }
  const cancel = async (key: string, id: number) => {
    t.equal((await client(origin, key).delete(`/api/jobs/${id}/`)).status, 204, 'cancelled')
    await look(key, id, -2)
  }

  await finish(alpha1.key, await create(alpha1.key, [34]))
  await fail(alpha1.key, await create(alpha1.key, [34]))
  await cancel(alpha1.key, await create(alpha1.key, [34]))
  await finish(alpha2.key, await create(alpha2.key, [34, 41]))
  await create(alpha2.key, [35]) // left running
  await finish(betaKey.key, await create(betaKey.key, [35]))
  await cancel(betaKey.key, await create(betaKey.key, [40, 43]))
  const refused = await client(origin, betaKey.key).post('/api/jobs/from-url/', {
    json: { video_url: clip.url().replace('.mp4', '.missing.mp4'), ml_models: [34] }
  })
  t.equal(refused.status, 400, 'an upstream refusal is not a created job')

  // the period boundary: a daily-team job held "yesterday" and finished today, and one of today that fails
  const late = await create(dailyKey.key, [34])
  const { today, yesterday } = await moveJobToYesterday(db, late)
  await finish(dailyKey.key, late)
  await fail(dailyKey.key, await create(dailyKey.key, [41]))

  return {
    gw,
    sim,
    origin,
    finance: finance.key,
    admin: admin.key,
    teamKey: alpha1.key,
    cost,
    today,
    yesterday,
    get: (path, options = {}) => client(origin, options.key ?? finance.key).get(path, options.headers),
    async text (path, headers = {}) {
      const res = await client(origin, finance.key, 'Bearer').get(path, headers)
      return { status: res.status, type: res.headers.get('content-type'), body: res.text }
    }
  }
}
