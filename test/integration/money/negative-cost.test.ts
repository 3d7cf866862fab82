// A negative cost_usd from TensorPix (in a create answer or a job snapshot) never credits the team: it is read as
// unreadable, so the create charges its hold and an ended job keeps what it was charged, flagged on the job.
// The simulator never reports a negative cost, so the answers are TensorPix's own with only the cost changed.
import t from 'tap'
import { Decimal } from 'decimal.js'
import { applySnapshot } from '../../../src/jobs/snapshot.ts'
import { heldBy, settle } from '../../../src/jobs/settle.ts'
import { dataPlaneBed, fromUrl } from '../../helpers/data-plane-bed.ts'

t.test('a finished job reported at a negative cost keeps its charge', async t => {
  const bed = await dataPlaneBed(t)
  const created = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(created.status, 201)
  const cost = String(created.body.cost_usd)
  const finished = await bed.sim.complete(Number(created.body.id))
  const job = await bed.gw.db.job.findFirstOrThrow()
  const ended = await applySnapshot(bed.gw.db, job, { ...finished, cost_usd: `-${cost}` }, new Date())
  t.equal(ended.state, 'finished')
  t.match(ended, { error: /unreadable cost \(-/ }, 'flagged on the job for an operator')
  t.same((await bed.ledger()).filter(r => r.kind === 'refund'), [], 'nothing refunded')
  t.equal((await bed.usage()).charged, cost, 'the team is charged what the create cost')
})

t.test('a create answered with a negative cost charges the hold', async t => {
  const bed = await dataPlaneBed(t, { team: { maxJobCost: '25' } })
  // the create reaches TensorPix but its answer is lost: the job waits, holding, for its answer
  await bed.sim.fault({ kind: 'lost_response', route: 'POST /api/jobs/from-url/', times: 1 })
  t.equal((await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })).status, 504)
  const [upstream] = await bed.sim.allJobs()
  const job = await bed.gw.db.job.findFirstOrThrow()
  const team = await bed.gw.db.team.findUniqueOrThrow({ where: { id: job.teamId } })
  const answer = { id: upstream!.id, status: 0, cost_usd: '-7.0000', input_video: null }
  t.ok(await settle(bed.gw.db, heldBy(job, team), answer, { status: 201, body: answer }, new Date()))
  const charged = new Decimal((await bed.usage()).charged)
  t.equal(charged.toFixed(4), '25.0000', 'the hold is charged, not a credit of 7')
  t.equal((await bed.usage()).held, '0.0000')
})
