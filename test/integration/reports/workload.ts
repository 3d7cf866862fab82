// A finance workload for the reports tests: three teams (two monthly, one daily), four team keys, jobs that finish,
// fail, are cancelled, keep running, or are refused upstream, a job with two ML models, and a job of the daily team
// moved to yesterday's period (a budget-period boundary). Everything over real HTTP through the simulator.
import type { Test } from 'tap'
import type { Decimal } from 'decimal.js'
import { makeKey, makeTeam } from '../../helpers/factories.ts'
import type { TestGateway } from '../../helpers/gateway.ts'
import { call, listeningGateway, moveJobToPeriod, startClipServer, startMoneySim, type MoneySim, type Reply } from '../../helpers/money-bed.ts'

const DAY_MS = 86_400_000

export interface ReportsBed {
  gw: TestGateway
  sim: MoneySim
  origin: string
  finance: string
  admin: string
  teamKey: string
  cost: Decimal
  today: Date
  yesterday: Date
  get (path: string, options?: { key?: string, headers?: Record<string, string> }): Promise<Reply>
  /** the raw body of a GET (for CSV) */
  text (path: string, headers?: Record<string, string>): Promise<{ status: number, type: string | null, body: string }>
}

export async function reportsBed (t: Test): Promise<ReportsBed> {
  const sim = await startMoneySim(t)
  const clip = await startClipServer(t)
  const { gw, origin } = await listeningGateway(t, sim)
  const db = gw.db
  // the split by model uses the catalogue's cost weights as cached: read it once, as a running gateway has
  await gw.app.modelCatalog.models()
  const cost = await sim.priceOf({ video_url: clip.url(), ml_models: [34] })
  const teamOptions = { maxJobCost: cost.times(4).toFixed(4), urlPolicy: { httpsOnly: false } }

  const alpha = await makeTeam(db, { slug: 'alpha', name: 'Alpha, Inc.', budgetCredits: '50', ...teamOptions })
  const beta = await makeTeam(db, { slug: 'beta', name: 'Beta "B"', budgetCredits: '20', budgetMode: 'soft', ...teamOptions })
  const daily = await makeTeam(db, { slug: 'daily', name: 'Daily', budgetPeriod: 'day', budgetCredits: '5', ...teamOptions })
  const scopes = ['jobs:read', 'jobs:write'] as const
  const alpha1 = await makeKey(db, { teamId: alpha.id, scopes: [...scopes], name: 'render-farm' })
  const alpha2 = await makeKey(db, { teamId: alpha.id, scopes: [...scopes], name: 'batch, nightly' })
  const betaKey = await makeKey(db, { teamId: beta.id, scopes: [...scopes], name: 'beta-main' })
  const dailyKey = await makeKey(db, { teamId: daily.id, scopes: [...scopes], name: 'daily-main' })
  const finance = await makeKey(db, { scopes: ['finance'], name: 'finance-reports' })
  const admin = await makeKey(db, { scopes: ['admin'], name: 'admin-reports' })

  let n = 0
  const create = async (key: string, mlModels: number[]) => {
    const res = await call(origin, 'POST', '/api/jobs/from-url/', { key, json: { video_url: clip.url(n++), ml_models: mlModels } })
    t.equal(res.status, 201, `created (${mlModels.join('+')})`)
    return Number(res.body.id)
  }
  const look = async (key: string, id: number, status: number) =>
    t.equal((await call(origin, 'GET', `/api/jobs/${id}/`, { key })).body.status, status, `job ${id} has status ${status}`)
  const finish = async (key: string, id: number) => { await sim.complete(id); await look(key, id, 2) }
  const fail = async (key: string, id: number) => { await sim.fail(id); await look(key, id, -1) }
  const cancel = async (key: string, id: number) => {
    t.equal((await call(origin, 'DELETE', `/api/jobs/${id}/`, { key })).status, 204, 'cancelled')
    await look(key, id, -2)
  }

  await finish(alpha1.key, await create(alpha1.key, [34]))
  await fail(alpha1.key, await create(alpha1.key, [34]))
  await cancel(alpha1.key, await create(alpha1.key, [34]))
  await finish(alpha2.key, await create(alpha2.key, [34, 41]))
  await create(alpha2.key, [35]) // left running
  await finish(betaKey.key, await create(betaKey.key, [35]))
  await cancel(betaKey.key, await create(betaKey.key, [40, 43]))
  const refused = await call(origin, 'POST', '/api/jobs/from-url/', { key: betaKey.key, json: { video_url: clip.url().replace('.mp4', '.missing.mp4'), ml_models: [34] } })
  t.equal(refused.status, 400, 'an upstream refusal is not a created job')

  // the period boundary: a daily-team job held "yesterday" and finished today, and one of today that fails
  const late = await create(dailyKey.key, [34])
  const lateJob = await db.job.findFirstOrThrow({ where: { upstreamId: late } })
  const today = lateJob.periodStart
  const yesterday = new Date(today.getTime() - DAY_MS)
  await moveJobToPeriod(db, lateJob.id, yesterday, today)
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
    get: (path, options = {}) => call(origin, 'GET', path, { key: options.key ?? finance.key, ...(options.headers ? { headers: options.headers } : {}) }),
    async text (path, headers = {}) {
      const res = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${finance.key}`, ...headers } })
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() }
    }
  }
}
