// The finance commands end to end: `tpx-gateway reports …` against a gateway with a real workload.
import t from 'tap'
import { cli } from '../helpers/processes.ts'
import { reportsBed } from '../helpers/reports-bed.ts'

t.test('reports CLI', async t => {
  const bed = await reportsBed(t)
  const env = { TPX_GATEWAY_URL: bed.origin, TPX_GATEWAY_KEY: bed.finance }
  const run = (...args: string[]) => cli(args, env)
  const day = (d: Date) => d.toISOString().slice(0, 10)
  const range = ['--from', day(bed.yesterday), '--to', day(new Date(bed.today.getTime() + 86_400_000))]
  const query = `from=${range[1]}&to=${range[3]}`

  await t.test('spend --csv prints what the API streams, byte for byte', async t => {
    for (const groupBy of ['team', 'day,key', 'model']) {
      const res = await run('reports', 'spend', ...range, '--group-by', groupBy, '--csv')
      t.equal(res.code, 0, res.stderr)
      t.equal(res.stdout, (await bed.text(`/admin/v1/reports/spend?${query}&group_by=${groupBy}&format=csv`)).body, groupBy)
    }
  })

  await t.test('spend as a table with a total line, and --json as the API answers', async t => {
    const res = await run('reports', 'spend', ...range, '--team', 'alpha')
    t.equal(res.code, 0, res.stderr)
    const api = (await bed.get(`/admin/v1/reports/spend?${query}&team=alpha`)).body
    t.match(res.stdout, /^TEAM\s+TEAM NAME\s+CHARGED\s+REFUNDED\s+NET\s+JOBS CREATED\s+JOBS FINISHED\s+JOBS FAILED\s+JOBS CANCELLED\n/)
    t.match(res.stdout, new RegExp(`\\nalpha\\s+Alpha, Inc\\.\\s+${(api.totals as { charged: string }).charged}`))
    t.match(res.stdout, /\nTOTAL\s+/)
    t.equal(res.stderr, `${range[1]} .. ${range[3]} (exclusive)\n`)
    const json = await run('reports', 'spend', ...range, '--team', 'alpha', '--json')
    t.same(JSON.parse(json.stdout), api)
  })

  await t.test('budgets and reconciliation', async t => {
    const budgets = await run('reports', 'budgets', '--at', day(bed.yesterday), '--json')
    t.same(JSON.parse(budgets.stdout), (await bed.get(`/admin/v1/reports/budgets?at=${day(bed.yesterday)}`)).body)
    const human = await run('reports', 'budgets')
    t.match(human.stdout, /^TEAM\s+PERIOD\s+BUDGET\s+CHARGED\s+HELD\s+REMAINING\s+USED %\s+BURN\/DAY\s+EXHAUSTS ON\n(alpha|beta|daily)/)
    const recon = await run('reports', 'reconciliation', ...range)
    t.equal(recon.code, 0)
    t.match(recon.stdout, /\nTOTAL\s+\d+\.\d{4}\s+\d+\.\d{4}\s+0\.0000\n/)
    t.match(recon.stdout, /\naccount: +no account check yet\n/, 'the account section follows the teams')
    t.equal(recon.stderr, '0 job(s) with drift\n')
  })

  await t.test('a bad parameter is one line naming it', async t => {
    const res = await run('reports', 'spend', '--group-by', 'colour')
    t.equal(res.code, 1)
    t.match(res.stderr, /^tpx-gateway: The request is invalid: querystring\.group_by unknown dimension "colour".*\(HTTP 400 bad_request\)\n$/)
  })
})
