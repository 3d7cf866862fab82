// Upstream failure modes, injected with the simulator's faults on the create route, each mapped to the documented
// gateway answer; every outcome leaves the job row out of `pending` and the team's money consistent.
import t, { type Test } from 'tap'
import { buildTestGateway } from '../../helpers/gateway.ts'
import { makeKey, makeTeam } from '../../helpers/factories.ts'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { type Answer } from '../../helpers/http.ts'
import { assertBooks, ledgerOfJob } from '../../helpers/ledger.ts'
import type { FaultRule } from '../../../src/simulator/index.ts'

const CREATE = 'POST /api/jobs/from-url/'
const UPSTREAM_SECRET = 'upstream-auth-detail-do-not-echo'
const HOLD = '10.0000' // DEFAULT_JOB_HOLD_CREDITS

type Rule = Partial<FaultRule> & { kind: FaultRule['kind'] }

interface Case {
  name: string
  rule: Rule
  status: number
  detail?: RegExp | string
  /** the request may have reached TensorPix: an answer naming the gateway job, job `unknown`, hold kept */
  unknown?: boolean
  /** the upstream answer is replayed verbatim */
  passthrough?: boolean
  check?: (t: Test, res: Answer) => void
}

async function latestJob (bed: Bed) {
  return bed.gw.db.job.findFirstOrThrow({ where: { teamId: bed.team.id }, orderBy: { createdAt: 'desc' } })
}

t.test('each upstream failure of a create maps to its documented answer', async t => {
  const bed = await dataPlaneBed(t, { env: { UPSTREAM_HEADERS_TIMEOUT_MS: '500', UPSTREAM_BODY_TIMEOUT_MS: '500' } })
  const cases: Case[] = [
    { name: 'upstream 400', rule: { kind: 'error', status: 400, detail: 'Upstream says no.' }, status: 400, detail: 'Upstream says no.', passthrough: true },
    // the shared master account cannot pay: no refusal of the team's request (shared-account-out-of-credits.test.ts)
    { name: 'upstream 402', rule: { kind: 'error', status: 402, detail: 'Insufficient credits.' }, status: 503, detail: /TensorPix account cannot pay/ },
    { name: 'upstream 401', rule: { kind: 'error', status: 401, detail: UPSTREAM_SECRET }, status: 502, detail: /authenticate with TensorPix/ },
    { name: 'upstream 403', rule: { kind: 'error', status: 403, detail: UPSTREAM_SECRET }, status: 502, detail: /authenticate with TensorPix/ },
    // a 5xx may follow a saved job: like a lost answer, the create is left to reconciliation
    { name: 'upstream 500', rule: { kind: 'error', status: 500, detail: 'boom' }, status: 502, detail: /HTTP 500/, unknown: true },
    { name: 'upstream 503', rule: { kind: 'error', status: 503, detail: 'down' }, status: 502, detail: /HTTP 503/, unknown: true },
    { name: 'hang past the timeout', rule: { kind: 'hang' }, status: 504, unknown: true },
    { name: 'connection reset', rule: { kind: 'reset' }, status: 504, unknown: true },
    { name: 'lost response', rule: { kind: 'lost_response' }, status: 504, unknown: true }
  ]

  let keptHolds = 0
  for (const c of cases) {
    await t.test(c.name, async t => {
      await bed.sim.control('PUT', '/faults', { faults: [{ route: CREATE, times: 1, ...c.rule }] })
      const upstreamBefore = await bed.sim.account()
      const started = performance.now()
      const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
      const took = performance.now() - started
      t.equal(res.status, c.status, `${c.name} → ${c.status}`)
      t.equal(res.body.request_id, res.headers.get('x-request-id'), 'the error body carries the request id')
      t.type(res.body.detail, 'string', '{detail} shape')
      if (c.detail) t.match(res.body.detail, c.detail)
      if (c.passthrough) t.same({ ...res.body, request_id: undefined }, { detail: c.rule.detail, request_id: undefined }, 'passed through unchanged')
      t.notMatch(JSON.stringify(res.body), UPSTREAM_SECRET, 'upstream auth detail is never echoed')
      c.check?.(t, res)

      const job = await latestJob(bed)
      t.not(job.state, 'pending', 'no job row is left pending')
      if (c.unknown) {
        t.equal(res.body.gateway_job_id, job.id, 'the answer names the gateway job')
        t.equal(job.state, 'unknown', 'the outcome is unknown')
        t.same(await ledgerOfJob(bed.gw.db, job.id), [`hold ${HOLD}`], 'its hold is kept for reconciliation')
        keptHolds++
        if (c.rule.kind === 'hang') t.ok(took < 5000, `answered after the headers timeout (${took.toFixed(0)} ms)`)
        if (c.rule.kind === 'lost_response') t.equal((await bed.sim.account()).jobs_created, upstreamBefore.jobs_created + 1, 'TensorPix did create it')
      } else {
        t.equal(res.body.gateway_job_id, undefined)
        t.equal(job.state, 'rejected')
        t.same(await ledgerOfJob(bed.gw.db, job.id), [`hold ${HOLD}`, `release ${HOLD}`], 'hold placed, then released')
        t.equal((await bed.sim.account()).jobs_created, upstreamBefore.jobs_created, 'no upstream job')
      }
      const usage = await bed.usage()
      t.equal(usage.held, (keptHolds * Number(HOLD)).toFixed(4), 'only the unknown creates still hold credits')
      t.equal(usage.charged, '0.0000', 'nothing charged')
    })
  }

  await t.test('a genuine upstream validation 400 also passes through', async t => {
    await bed.sim.clearFaults()
    const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed, { ml_models: [34, 35] }) })
    t.equal(res.status, 400)
    t.match(res.body, { errors: { ml_models: [/Only one model per task/] }, non_field_errors: [], request_id: String })
    t.equal((await latestJob(bed)).state, 'rejected')
  })

  await t.test('insufficient credits at TensorPix: the gateway\'s words, not the shared balance', async t => {
    await bed.sim.control('PATCH', `/accounts/${bed.sim.token}`, { balance: '0.0001' })
    const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
    t.equal(res.status, 503)
    t.match(res.body, { detail: /TensorPix account cannot pay/, request_id: String })
    t.notMatch(res.text, /balance is/)
    await bed.sim.control('PATCH', `/accounts/${bed.sim.token}`, { balance: '1000' })
  })

  await t.test('after every case no job is pending and the money adds up', async t => {
    t.equal(await bed.gw.db.job.count({ where: { state: 'pending' } }), 0)
    // the unknown creates keep their holds until reconciliation decides
    await assertBooks(t, bed.gw.db, { holdsOpen: true })
  })
})

t.test('failures on reads: 5xx → 502, a hang → 504, 429 stays 429', async t => {
  // every read asks TensorPix: with a freshness window, a read within it would be given the one before's failure
  // (test/integration/data-plane/poll-storm.test.ts is about that)
  const bed = await dataPlaneBed(t, { env: { UPSTREAM_HEADERS_TIMEOUT_MS: '500', JOB_REFRESH_MS: '0' } })
  const created = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  const path = `/api/jobs/${String(created.body.id)}/`
  const route = 'GET /api/jobs/:id/'
  const cases: Array<[Rule, number]> = [
    [{ kind: 'error', status: 500 }, 502],
    [{ kind: 'error', status: 503 }, 502],
    [{ kind: 'error', status: 401, detail: UPSTREAM_SECRET }, 502],
    [{ kind: 'hang' }, 504],
    [{ kind: 'reset' }, 502]
  ]
  for (const [rule, status] of cases) {
    await bed.sim.control('PUT', '/faults', { faults: [{ route, times: 1, ...rule }] })
    const res = await bed.api.get(path)
    t.equal(res.status, status, `${rule.kind} ${String(rule.status ?? '')} → ${status}`)
    t.match(res.body, { detail: String, request_id: String })
    t.notMatch(JSON.stringify(res.body), UPSTREAM_SECRET)
  }
  await bed.sim.clearFaults()
  t.equal((await bed.api.get(path)).status, 200, 'and the job is readable once TensorPix recovers')
  t.equal(await bed.gw.db.job.count({ where: { state: { in: ['pending', 'unknown'] } } }), 0, 'reads never leave a job unsettled')

  // last: the gateway may back off from TensorPix for the Retry-After it was given
  await bed.sim.control('PUT', '/faults', { faults: [{ route, times: 1, kind: 'rate_limit', retryAfterSeconds: 3 }] })
  const throttled = await bed.api.get(path)
  t.equal(throttled.status, 429, 'upstream 429 on a read stays 429')
  t.equal(throttled.headers.get('retry-after'), '3', 'with its Retry-After')
  t.match(throttled.body, { detail: String, request_id: String })
})

t.test('upstream 429 on a create: 429 with Retry-After, nothing charged, hold released', async t => {
  // a bed of its own: after a 429 the gateway may hold its upstream calls back for the Retry-After period
  const bed = await dataPlaneBed(t)
  await bed.sim.control('PUT', '/faults', { faults: [{ route: CREATE, times: 1, kind: 'rate_limit', retryAfterSeconds: 7 }] })
  const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(res.status, 429)
  t.equal(res.headers.get('retry-after'), '7', 'Retry-After passed on')
  t.match(res.body, { detail: String, request_id: res.headers.get('x-request-id') })
  const job = await latestJob(bed)
  t.equal(job.state, 'rejected', 'not pending')
  t.same(await ledgerOfJob(bed.gw.db, job.id), [`hold ${HOLD}`, `release ${HOLD}`])
  t.same(await bed.usage(), { charged: '0.0000', held: '0.0000', adjusted: '0.0000' })
})

t.test('TensorPix unreachable: 502, the create is rejected and its hold released', async t => {
  const gw = await buildTestGateway(t) // upstream is 127.0.0.1:9, where nothing listens
  const team = await makeTeam(gw.db, { urlPolicy: { httpsOnly: false } })
  const key = await makeKey(gw.db, { teamId: team.id, scopes: ['jobs:read', 'jobs:write'] })
  const res = await gw.app.inject({
    method: 'POST',
    url: '/api/jobs/from-url/',
    headers: { authorization: `Token ${key.key}` },
    payload: { video_url: 'http://127.0.0.1:9/x.mp4', ml_models: [34] }
  })
  t.equal(res.statusCode, 502)
  t.match(res.json(), { detail: 'TensorPix could not be reached.', request_id: res.headers['x-request-id'] })
  const job = await gw.db.job.findFirstOrThrow({ where: { teamId: team.id } })
  t.equal(job.state, 'rejected')
  const usage = await gw.db.teamPeriodUsage.findFirstOrThrow({ where: { teamId: team.id } })
  t.equal(usage.held.toFixed(4), '0.0000')
  const kinds = (await gw.db.ledgerEntry.findMany({ where: { jobId: job.id }, orderBy: { id: 'asc' } })).map(r => r.kind)
  t.same(kinds, ['hold', 'release'])
})
