// Drives the data plane and the control plane through success and error paths, then searches everything the
// gateway wrote (logs, answers, audit rows, job records, ledger reasons) for the master token and every key secret.
// The same search runs over the whole test run in test/setup/after.ts (test/helpers/secret-scan.ts).
import t from 'tap'
import { scan } from '../../helpers/secret-scan.ts'
import { makeKey } from '../../helpers/factories.ts'
import { SIM_TOKEN } from '../../helpers/simulator.ts'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'
import { client } from '../../helpers/http.ts'

t.test('no secret in logs, answers or records', async t => {
  const bed = await dataPlaneBed(t)
  const admin = await makeKey(bed.gw.db, { scopes: ['admin'] })
  const secrets = [SIM_TOKEN, bed.key.key, admin.key]
  const answers: string[] = []
  const keep = (body: unknown, headers?: Headers) =>
    answers.push(JSON.stringify(body), JSON.stringify([...headers?.entries() ?? []]))

  const created = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  keep(created.body, created.headers)
  for (const path of [`/api/jobs/${String(created.body.id)}/`, '/api/jobs/', '/api/jobs/999999/', '/api/videos/', '/api/accounts/profile/balance/']) {
    const res = await bed.api.get(path)
    keep(res.body, res.headers)
  }
  for (const json of [{}, { ml_models: [34], video_url: 'not a url' }, { ...fromUrl(bed), crf: 99 }, { video_url: bed.key.key, ml_models: [bed.sim.token] }]) {
    const res = await bed.api.post('/api/jobs/from-url/', { json })
    keep(res.body, res.headers)
  }
  // limits: a deep body, a long URL carrying a key, a key in the query string
  for (const [path, payload] of [['/api/jobs/from-url/', { raw: '['.repeat(100), contentType: 'application/json' }], [`/api/jobs/?key=${bed.key.key}&${'x'.repeat(5000)}`, undefined], [`/api/jobs/?token=${bed.sim.token}`, undefined]] as const) {
    const res = payload ? await bed.api.post(path, payload) : await bed.api.get(path)
    keep(res.body, res.headers)
  }
  // a wrong key, an admin key on the data plane, a team key on the control plane
  for (const [api, path] of [[client(bed.origin, bed.key.key + 'x'), '/api/jobs/'], [client(bed.origin, admin.key), '/api/jobs/']] as const) {
    const res = await api.get(path)
    keep(res.body, res.headers)
  }
  const inject = async (method: 'GET' | 'POST' | 'DELETE', url: string, key: string, payload?: object) => {
    const res = await client(bed.gw.app, key, 'Bearer').call(method, url, payload ? { json: payload } : undefined)
    answers.push(res.text, JSON.stringify([...res.headers.entries()]))
    return res
  }
  await inject('GET', '/admin/v1/teams', bed.key.key)
  const made = await inject('POST', `/admin/v1/teams/${bed.team.slug}/keys`, admin.key, { name: 'rotated', scopes: ['jobs:read'] })
  const rotated = await inject('POST', `/admin/v1/keys/${String(made.body.id)}/rotate`, admin.key, {})
  secrets.push(String(made.body.key), String(rotated.body.key))
  await inject('GET', `/admin/v1/keys/${String(made.body.id)}`, admin.key)
  await inject('DELETE', `/admin/v1/keys/${String(made.body.id)}`, admin.key)
  await inject('GET', '/admin/v1/audit', admin.key)

  const db = bed.gw.db
  const records = JSON.stringify([
    await db.auditEvent.findMany(), await db.job.findMany(),
    await db.ledgerEntry.findMany(), await db.mediaObject.findMany()
  ], (_k, v) => typeof v === 'bigint' ? String(v) : v)
  // the one answer allowed to carry a secret is the one that hands it out (key create / rotate)
  const handedOut = new Set([made.text, rotated.text])
  const scanned = { logs: bed.gw.logs.join('\n'), answers: answers.filter(a => !handedOut.has(a)).join('\n'), records }
  t.ok(scanned.logs.length > 1000 && scanned.records.length > 1000, 'there was something to scan')
  for (const secret of secrets) {
    for (const [where, text] of Object.entries(scanned)) {
      t.notOk(text.includes(secret), `${secret.slice(0, 8)}… is not in the ${where}`)
    }
  }
})

t.test('the run scan finds a secret anywhere but in the answer that hands it out', async t => {
  const key = 'tgw_abcdefghijkl_' + 'k'.repeat(43)
  const handedOut = 'tgw_mnopqrstuvwx_' + 'h'.repeat(43)
  const clean = scan([
    { kind: 'secret', text: key },
    { kind: 'secret', text: 'master-token-0123456789' },
    { kind: 'handout', text: `201 {"key":"${handedOut}"}`, request: 'POST /admin/v1/keys' },
    { kind: 'answer', text: '401 {"detail":"Invalid token."}', request: `GET /api/jobs/?key=${key}` },
    { kind: 'log', text: '{"msg":"request","keyPrefix":"tgw_abcdefghijkl"}' }
  ])
  t.same(clean.findings, [], 'a prefix, a handout and a secret in the request itself are fine')
  const leaked = scan([
    { kind: 'secret', text: key },
    { kind: 'secret', text: 'master-token-0123456789' },
    { kind: 'handout', text: `201 {"key":"${handedOut}"}`, request: 'POST /admin/v1/keys' },
    { kind: 'log', text: `{"msg":"oops","header":"Token ${key}"}` },
    { kind: 'answer', text: `200 {"key":"${handedOut}"}`, request: 'GET /admin/v1/keys' },
    { kind: 'record', text: '{"reason":"master-token-0123456789"}' }
  ])
  t.same(leaked.findings.map(f => f.kind), ['log', 'answer', 'record'])
  t.notOk(JSON.stringify(leaked.findings).includes(key), 'the report itself does not repeat the secret')
})
