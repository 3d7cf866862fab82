// An admin test bed: the real gateway on a fresh database, a model-catalogue upstream, and one key of each kind.
import type { LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { buildTestGateway, TEST_MASTER_TOKEN, type TestGateway } from '../../helpers/gateway.ts'
import { makeKey, makeTeam } from '../../helpers/factories.ts'
import { startModelsUpstream, type ModelsUpstream } from '../../helpers/ml-models-upstream.ts'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

export interface AdminBed {
  gw: TestGateway
  upstream: ModelsUpstream
  admin: Awaited<ReturnType<typeof makeKey>>
  finance: Awaited<ReturnType<typeof makeKey>>
  jobs: Awaited<ReturnType<typeof makeKey>>
  call (method: Method, url: string, options?: { key?: string | null, body?: unknown, scheme?: string }): Promise<LightMyRequestResponse>
  auditRows (): ReturnType<TestGateway['db']['auditEvent']['findMany']>
}

export async function adminBed (t: Test): Promise<AdminBed> {
  const upstream = await startModelsUpstream(TEST_MASTER_TOKEN)
  t.teardown(upstream.close)
  const gw = await buildTestGateway(t, { upstream: { baseUrl: upstream.baseUrl, token: TEST_MASTER_TOKEN, simulated: true } })
  const admin = await makeKey(gw.db, { scopes: ['admin'], name: 'root-admin' })
  const finance = await makeKey(gw.db, { scopes: ['finance'], name: 'finance-bot' })
  const team = await makeTeam(gw.db, { slug: 'jobs-team' })
  const jobs = await makeKey(gw.db, { teamId: team.id, scopes: ['jobs:read', 'jobs:write'], name: 'worker' })
  return {
    gw,
    upstream,
    admin,
    finance,
    jobs,
    async call (method, url, options = {}) {
      const key = options.key === undefined ? admin.key : options.key
      const headers: Record<string, string> = {}
      if (key !== null) headers.authorization = `${options.scheme ?? 'Bearer'} ${key}`
      return gw.app.inject({ method, url, headers, ...(options.body === undefined ? {} : { payload: options.body as object }) })
    },
    auditRows: () => gw.db.auditEvent.findMany({ orderBy: { id: 'asc' } })
  }
}

export const teamBody = (slug: string, extra: Record<string, unknown> = {}) => ({
  slug, name: `Team ${slug}`, budget: { credits: '100.5', period: 'month', mode: 'hard' }, ...extra
})
