// The admin (control-plane) test bed: the gateway (gateway.ts) on a fresh database, a model-catalogue upstream, and
// one key of each kind. Calls go through inject with `Bearer` (http.ts), as the admin key unless told otherwise.
import type { Test } from 'tap'
import { buildTestGateway, TEST_MASTER_TOKEN, type TestGateway } from './gateway.ts'
import { JOB_SCOPES, makeKey, makeTeam } from './factories.ts'
import { client, type Answer, type Doc } from './http.ts'
import { startModelsUpstream, type ModelsUpstream } from './ml-models-upstream.ts'

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

export interface AdminBed {
  gw: TestGateway
  upstream: ModelsUpstream
  admin: Awaited<ReturnType<typeof makeKey>>
  finance: Awaited<ReturnType<typeof makeKey>>
  jobs: Awaited<ReturnType<typeof makeKey>>
  /** a request as `key` (the admin key when left out, none when null), with `body` as JSON */
  call<B = Doc> (method: Method, url: string, options?: { key?: string | null, body?: unknown, scheme?: string }):
  Promise<Answer<B>>
  auditRows (): ReturnType<TestGateway['db']['auditEvent']['findMany']>
}

export async function adminBed (t: Test): Promise<AdminBed> {
  const upstream = await startModelsUpstream(TEST_MASTER_TOKEN)
  t.teardown(upstream.close)
  const gw = await buildTestGateway(t, {
    upstream: { baseUrl: upstream.baseUrl, token: TEST_MASTER_TOKEN, simulated: true }
  })
  const admin = await makeKey(gw.db, { scopes: ['admin'], name: 'root-admin' })
  const finance = await makeKey(gw.db, { scopes: ['finance'], name: 'finance-bot' })
  const team = await makeTeam(gw.db, { slug: 'jobs-team' })
  const jobs = await makeKey(gw.db, { teamId: team.id, scopes: JOB_SCOPES, name: 'worker' })
  return {
    gw,
    upstream,
    admin,
    finance,
    jobs,
    call<B> (method: Method, url: string, options: { key?: string | null, body?: unknown, scheme?: string } = {}) {
      const key = options.key === undefined ? admin.key : options.key
      const payload = options.body === undefined ? undefined : { json: options.body }
      return client(gw.app, key, options.scheme ?? 'Bearer').call<B>(method, url, payload)
    },
    auditRows: () => gw.db.auditEvent.findMany({ orderBy: { id: 'asc' } })
  }
}

/** A page of a control-plane list. */
export interface AdminPage<T = Doc> { items: T[], nextCursor: string | null }

export const teamBody = (slug: string, extra: Record<string, unknown> = {}) => ({
  slug, name: `Team ${slug}`, budget: { credits: '100.5', period: 'month', mode: 'hard' }, ...extra
})
