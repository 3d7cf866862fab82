// A create whose actual cost is above its hold can cross a budget threshold that the hold did not: the settlement
// checks the alerts again, in its own transaction.
import t from 'tap'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'

t.test('a cost above the hold raises the threshold it crosses at settlement', async t => {
  // hold 0.0001 (0.5 % of the budget: no alert); the simulator's cost is at least 0.01 (≥ 50 %: past 1 %)
  const bed = await dataPlaneBed(t, { team: { budgetCredits: '0.0200', budgetMode: 'soft', maxJobCost: '0.0001', alertThresholds: [1] } })
  const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(res.status, 201)
  t.ok(Number(res.body.cost_usd) >= 0.01, `the job costs more than its hold (${String(res.body.cost_usd)})`)
  const alerts = await bed.gw.db.budgetAlert.findMany({ where: { teamId: bed.team.id } })
  t.ok(alerts.some(a => a.alert === 'threshold:1'), 'raised by the create that crossed it, not left for the terminal transition')
})
