// An upstream redirect is no answer (issue 20, item 7): on every data-plane route it becomes 502
// upstream_redirected in TensorPix's {detail} shape, never a 500 or a 204 that did not happen, and nothing follows
// it with the master token to the origin its Location names.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'
import { ledgerOfJob } from '../../helpers/ledger.ts'

t.test('a redirect from TensorPix answers 502 upstream_redirected and is not followed', async t => {
  const bed = await dataPlaneBed(t)
  const elsewhere: string[] = []
  const other = createServer((req, res) => { elsewhere.push(`${req.method} ${req.url}`); res.end('{}') })
  await new Promise<void>(resolve => other.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { other.closeAllConnections(); other.close(() => resolve()) }))
  const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`

  const created = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(created.status, 201, created.text)
  const id = Number(created.body.id)
  const calls: Array<{ route: string, send: () => ReturnType<typeof bed.api.get> }> = [
    { route: `GET /api/jobs/${id}/`, send: () => bed.api.get(`/api/jobs/${id}/`) },
    { route: `GET /api/jobs/history/${id}/`, send: () => bed.api.get(`/api/jobs/history/${id}/`) },
    { route: 'GET /api/ml-models/', send: () => bed.api.get('/api/ml-models/') },
    { route: `DELETE /api/jobs/${id}/`, send: () => bed.api.delete(`/api/jobs/${id}/`) },
    { route: 'POST /api/jobs/from-url/', send: () => bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) }) }
  ]
  for (const [i, { route, send }] of calls.entries()) {
    const status = [301, 302, 307, 308][i % 4] as number
    const path = route.split(' ')[1] as string
    await bed.sim.control('PUT', '/faults', { faults: [{ kind: 'redirect', route, status, location: `${otherOrigin}${path}`, times: 1 }] })
    const res = await send()
    t.equal(res.status, 502, `${route} redirected with ${status}: ${res.text}`)
    t.match(res.body, { detail: `TensorPix answered with a redirect (HTTP ${status}), which the gateway does not follow.`, request_id: String }, 'in TensorPix\'s shape')
    t.equal(res.headers.get('location'), null, 'the Location is not passed on')
  }
  t.same(elsewhere, [], 'the origin the redirects named was never called')

  const job = await bed.gw.db.job.findFirstOrThrow({ where: { teamId: bed.team.id }, orderBy: { createdAt: 'desc' } })
  t.equal(job.state, 'rejected', 'a redirected create was not created: refused, its hold released')
  t.same(await ledgerOfJob(bed.gw.db, job.id), ['hold 10.0000', 'release 10.0000'])
  t.equal((await bed.sim.job(id)).status, 0, 'the redirected DELETE cancelled nothing, and was not answered 204')
})
