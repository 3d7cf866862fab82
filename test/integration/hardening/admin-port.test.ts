// ADMIN_PORT: the control plane answers on its own listener only, the data plane on PORT only, health on both;
// without it, everything answers on PORT.
import t from 'tap'
import { makeKey } from '../../helpers/factories.ts'
import { dataPlaneBed } from '../../helpers/data-plane-bed.ts'
import { client } from '../../helpers/http.ts'

const get = (origin: string, path: string, key: string) => client(origin, key, 'Bearer').get(path)

t.test('without ADMIN_PORT every plane answers on PORT', async t => {
  const bed = await dataPlaneBed(t)
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  t.equal((await get(bed.origin, '/admin/v1/teams', admin.key)).status, 200)
  t.equal((await get(bed.origin, '/docs/json', admin.key)).status, 200)
  t.equal((await bed.api.get('/api/jobs/')).status, 200)
})

t.test('with ADMIN_PORT the planes are split', async t => {
  const bed = await dataPlaneBed(t, { env: { ADMIN_PORT: '0' } })
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  const { port } = await bed.gw.app.listenAdmin({ host: '127.0.0.1', port: 0 })
  const adminOrigin = `http://127.0.0.1:${port}`
  t.not(adminOrigin, bed.origin)

  for (const path of ['/admin/v1/teams', '/admin/v1/keys', '/docs', '/docs/json']) {
    const main = await get(bed.origin, path, admin.key)
    t.equal(main.status, 404, `main port: ${path} is 404`)
    t.match(main.body, { error: 'not_found', requestId: String }, 'in the gateway envelope')
    t.equal((await get(adminOrigin, path, admin.key)).status, 200, `admin port: ${path} answers`)
  }
  const dataOnAdmin = await get(adminOrigin, '/api/jobs/', bed.key.key)
  t.equal(dataOnAdmin.status, 404, 'admin port: the data plane is 404')
  t.match(dataOnAdmin.body, { detail: 'Not found.' }, "in TensorPix's shape")
  t.equal((await bed.api.get('/api/jobs/')).status, 200, 'main port: the data plane answers')
  for (const origin of [bed.origin, adminOrigin]) t.equal((await get(origin, '/healthz', '')).status, 200, `${origin}: health`)

  // a write refused on the main port never ran: no team, no audit row
  const res = await client(bed.origin, admin.key, 'Bearer').post('/admin/v1/teams', {
    json: { slug: 'sneaky', name: 'Sneaky', budget: { credits: '1', period: 'month', mode: 'hard' } }
  })
  t.equal(res.status, 404)
  t.equal(await bed.gw.db.team.count({ where: { slug: 'sneaky' } }), 0)
  t.equal(await bed.gw.db.auditEvent.count(), 0)
  t.equal((await client(adminOrigin, admin.key, 'Bearer').post('/admin/v1/teams', {
    json: { slug: 'proper', name: 'Proper', budget: { credits: '1', period: 'month', mode: 'hard' } }
  })).status, 201, 'the same write on the admin port works')
})
