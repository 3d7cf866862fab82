// tpx-gateway webhooks … end to end against a gateway listening on a real port.
import t from 'tap'
import { buildTestGateway, listen } from '../helpers/gateway.ts'
import { makeKey, makeTeam } from '../helpers/factories.ts'
import { cli } from '../helpers/processes.ts'

t.test('webhooks create (secret once), list, update, deliveries, delete', async t => {
  const gw = await buildTestGateway(t)
  const url = await listen(gw)
  const admin = await makeKey(gw.db, { scopes: ['admin'], name: 'cli-admin' })
  await makeTeam(gw.db, { slug: 'acme' })
  const run = (...args: string[]) => cli(args, { TPX_GATEWAY_URL: url, TPX_GATEWAY_KEY: admin.key })

  const created = await run('webhooks', 'create', 'https://hooks.example.com/tpx', '--team', 'acme', '--events', 'job.finished,budget.exhausted', '--description', 'pager')
  t.equal(created.code, 0, created.stderr)
  const secret = created.stdout.split('\n')[0] ?? ''
  t.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/, 'the secret alone on the first line')
  t.match(created.stderr, 'not shown again')
  const id = /^id:\s+(\S+)$/m.exec(created.stdout)?.[1] ?? ''

  const list = await run('webhooks', 'list', '--team', 'acme')
  t.match(list.stdout, new RegExp(`^ID\\s+URL\\s+EVENTS\\s+STATUS\\s+DESCRIPTION\n${id}\\s+https://hooks\\.example\\.com/tpx\\s+job\\.finished,budget\\.exhausted\\s+enabled\\s+pager\n$`))
  t.notMatch(list.stdout, secret)

  const updated = await run('webhooks', 'update', id, '--team', 'acme', '--events', 'all', '--disable', '--json')
  t.equal(updated.code, 0, updated.stderr)
  t.match(JSON.parse(updated.stdout), { events: [], disabled: true })
  t.equal(JSON.parse((await run('webhooks', 'deliveries', id, '--team', 'acme', '--json')).stdout).items.length, 0)

  const badEvent = await run('webhooks', 'create', 'https://hooks.example.com/', '--team', 'acme', '--events', 'job.exploded')
  t.equal(badEvent.code, 1)
  t.match(badEvent.stderr, 'unknown event type job.exploded')
  const insecure = await run('webhooks', 'create', 'http://hooks.example.com/', '--team', 'acme')
  t.match(insecure.stderr, /body\.url must use https .*\(HTTP 400 bad_request\)/)

  t.equal((await run('webhooks', 'delete', id, '--team', 'acme')).code, 0)
  t.match((await run('webhooks', 'get', id, '--team', 'acme')).stderr, /not found \(HTTP 404 not_found\)/)
})
