// The one master account every team shares running out of credits is no refusal of a team's request: the client
// gets the gateway's own words (never the shared balance), the hold is released, and the answer is not replayed
// under its Idempotency-Key, so the same request goes through once the operators have topped the account up.
import t from 'tap'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'
import { recordSecret } from '../../helpers/secret-scan.ts'
import { makeKey } from '../../helpers/factories.ts'
import { client } from '../../helpers/http.ts'
import { metricValue, parseMetrics } from '../../helpers/prometheus.ts'

// the simulator's wording of the shared balance: no answer, log line or record of the run may carry it
recordSecret('and the balance is')

for (const status of [400, 402] as const) {
  t.test(`TensorPix answering ${status} "insufficient credits"`, async t => {
    const bed = await dataPlaneBed(t, { sim: { initialBalance: '0.0000', insufficientCreditsStatus: status } })
    const headers = { 'idempotency-key': `order-${status}` }
    const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
    const refusals = async () => metricValue(parseMetrics((await client(bed.gw.app, admin.key, 'Bearer')
      .get('/metrics')).text), 'tpx_upstream_out_of_credits_total')
    const before = await refusals()
    const refused = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, headers)
    t.equal(await refusals() - before, 1, 'counted for the operators')
    t.equal(bed.gw.logs.filter(line => /"level":50.*account out of credits/.test(line)).length, 1, 'logged once, as an error')
    t.equal(refused.status, 503)
    t.equal(refused.headers.get('retry-after'), '60', 'topping up takes a person: retry in a minute')
    t.match(refused.body, { detail: /TensorPix account cannot pay/, request_id: String })
    t.notMatch(refused.text, /balance is|Insufficient|0\.0000/, 'the shared balance is not shown')
    t.same((await bed.usage()).held, '0.0000', 'the hold is released')
    t.same((await bed.usage()).charged, '0.0000')
    const job = await bed.gw.db.job.findFirstOrThrow()
    t.match(job, { state: 'rejected', responseStatus: null, responseBody: null, idempotencyKey: null },
      'nothing kept for replay')
    t.notMatch(job.error ?? '', /balance is/, 'nor recorded on the job')

    await bed.sim.control('PATCH', `/accounts/${bed.sim.token}`, { balance: '1000.0000' })
    const retried = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }, headers)
    t.equal(retried.status, 201, 'the same key goes through once the account can pay')
    t.equal(retried.headers.get('idempotent-replayed'), null, 'not a replay')
    t.equal((await bed.sim.account()).jobs_created, 1)
  })
}

t.test('only a create is read for the account\'s credits: other routes pass TensorPix\'s refusal on', async t => {
  const bed = await dataPlaneBed(t)
  const detail = 'Not enough credits to list models.'
  await bed.sim.control('PUT', '/faults', {
    faults: [{ route: 'GET /api/ml-models/', times: 1, kind: 'error', status: 400, detail }]
  })
  const listed = await bed.api.get('/api/ml-models/')
  t.equal(listed.status, 400)
  t.equal(listed.body.detail, detail)
})
