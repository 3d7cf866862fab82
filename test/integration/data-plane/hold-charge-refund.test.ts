// The team's money through the data plane: hold → forward → charge the actual cost; refunds follow TensorPix;
// the balance endpoint is the team's budget; concurrent readers settle a terminal job exactly once.
import t from 'tap'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { assertBooks, ledgerOfJob } from '../../helpers/ledger.ts'

const CREATE = 'POST /api/jobs/from-url/'

async function jobLedger (bed: Bed, upstreamId: unknown) {
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: Number(upstreamId) } })
  return ledgerOfJob(bed.gw.db, job.id)
}

const money = (n: number) => n.toFixed(4)

async function waitForPendingJob (bed: Bed) {
  for (let tries = 0; tries < 250; tries++) {
    if (await bed.gw.db.job.count({ where: { state: 'pending' } }) > 0) return
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  throw new Error('the create never reached the hold')
}

t.test('a create holds, then charges the actual cost', async t => {
  const bed = await dataPlaneBed(t) // budget 100, default hold 10
  // the 720p fixture through 200% upscale + film restoration costs more than the minimum
  const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed, { ml_models: [34, 40] }, 'clip-1280x720-25fps-25f.mov') })
  t.equal(res.status, 201)
  const cost = String(res.body.cost_usd)
  t.ok(Number(cost) > 0.01, `a real cost (${cost})`)
  t.same(await jobLedger(bed, res.body.id), ['hold 10.0000', 'release 10.0000', `charge ${cost}`])
  t.same(await bed.usage(), { charged: cost, held: '0.0000', adjusted: '0.0000' })
  t.equal(res.headers.get('x-credits-remaining'), money(100 - Number(cost)))
  t.equal(res.headers.get('x-credits-held'), '0.0000')
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: Number(res.body.id) } })
  t.equal(job.actualCost?.toFixed(4), cost, 'the job row records the cost')
  t.equal(job.state, 'queued')

  const read = await bed.api.get(`/api/jobs/${String(res.body.id)}/`)
  t.equal(read.headers.get('x-credits-remaining'), money(100 - Number(cost)), 'job answers carry the budget headers')
  t.equal(read.headers.get('x-credits-held'), '0.0000')
})

t.test('the hold exists while the create is in flight; a preview holds nothing', async t => {
  const bed = await dataPlaneBed(t)
  for (const [preview, held] of [[false, '10.0000'], [true, '0.0000']] as const) {
    await bed.sim.fault({ kind: 'latency', route: CREATE, delayMs: 3000, times: 1 })
    const pending = bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed, { preview }) })
    // the job row commits with its hold; wait for it rather than for a fixed time (a loaded machine is slow)
    await waitForPendingJob(bed)
    t.equal((await bed.usage()).held, held, `held while a ${preview ? 'preview' : 'job'} is created`)
    const res = await pending
    t.equal(res.status, 201)
    if (preview) {
      t.equal(res.body.cost_usd, '0.0000', 'previews are free')
      t.same(await jobLedger(bed, res.body.id), [], 'a preview moves no money')
    }
    t.equal((await bed.usage()).held, '0.0000')
  }
})

t.test('a budget smaller than the hold: 402, nothing forwarded', async t => {
  const bed = await dataPlaneBed(t, { team: { budgetCredits: '4.5' } })
  const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  t.equal(res.status, 402)
  t.match(res.body, { detail: String, request_id: String })
  t.match(res.body.detail, /4\.5000/, 'names the remaining credits')
  t.match(res.body.detail, /10\.0000/, 'names the estimate')
  t.equal((await bed.sim.account()).jobs_created, 0, 'nothing forwarded')
  t.same(await bed.usage(), { charged: '0.0000', held: '0.0000', adjusted: '0.0000' })
  t.equal(await bed.gw.db.job.count(), 0, 'no job row survives the refusal')
  const preview = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed, { preview: true }) })
  t.equal(preview.status, 201, 'a free preview still fits')
})

t.test('terminal transitions: finished charges nothing more, failed refunds all, cancelled refunds what TensorPix did', async t => {
  const bed = await dataPlaneBed(t)
  const create = async () => {
    const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed, { ml_models: [34, 40] }, 'clip-1280x720-25fps-25f.mov') })
    t.equal(res.status, 201)
    return { id: Number(res.body.id), cost: String(res.body.cost_usd) }
  }

  const finished = await create()
  await bed.sim.complete(finished.id)
  for (let i = 0; i < 3; i++) t.equal((await bed.api.get(`/api/jobs/${finished.id}/`)).body.status, 2)
  t.same(await jobLedger(bed, finished.id), ['hold 10.0000', 'release 10.0000', `charge ${finished.cost}`], 'GETs of a finished job charge nothing more')

  const failed = await create()
  await bed.sim.fail(failed.id)
  const failedRead = await bed.api.get(`/api/jobs/${failed.id}/`)
  t.equal(failedRead.body.status, -1)
  t.same(await jobLedger(bed, failed.id), ['hold 10.0000', 'release 10.0000', `charge ${failed.cost}`, `refund ${failed.cost}`], 'refunded in full on the next GET')
  t.equal(failedRead.headers.get('x-credits-remaining'), money(100 - Number(finished.cost)), 'and the answer already shows it')

  // cancelled while queued: TensorPix refunds everything
  const queued = await create()
  let before = Number((await bed.sim.account()).credits_refunded)
  t.equal((await bed.api.delete(`/api/jobs/${queued.id}/`)).status, 204)
  let refunded = money(Number((await bed.sim.account()).credits_refunded) - before)
  t.equal(refunded, queued.cost, 'TensorPix refunded a queued job in full')
  t.same(await jobLedger(bed, queued.id), ['hold 10.0000', 'release 10.0000', `charge ${queued.cost}`, `refund ${refunded}`], 'the team gets the same refund')

  // cancelled while processing: TensorPix keeps part of it
  const processing = await create()
  await bed.sim.advance(processing.id)
  before = Number((await bed.sim.account()).credits_refunded)
  t.equal((await bed.api.delete(`/api/jobs/${processing.id}/`)).status, 204)
  refunded = money(Number((await bed.sim.account()).credits_refunded) - before)
  t.ok(Number(refunded) > 0 && Number(refunded) < Number(processing.cost), `TensorPix refunded part (${refunded} of ${processing.cost})`)
  const ledger = await jobLedger(bed, processing.id)
  t.ok(ledger.includes(`refund ${refunded}`), 'the team gets what TensorPix refunded')

  // the team's net charge equals TensorPix's net charge for these jobs
  const sim = await bed.sim.account()
  const usage = await bed.usage()
  t.equal(usage.held, '0.0000')
  t.equal(usage.charged, money(Number(sim.credits_charged) - Number(sim.credits_refunded)), 'team charged = TensorPix charged − refunded')

  const balance = await bed.api.get('/api/accounts/profile/balance/')
  t.same(balance.body, { balance_usd: money(100 - Number(usage.charged) - Number(usage.held)) }, 'the balance endpoint is the team\'s remaining budget')
  await assertBooks(t, bed.gw.db, { sim: bed.sim })
})

t.test('50 concurrent GETs as a job fails settle it exactly once', async t => {
  const bed = await dataPlaneBed(t)
  const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  const id = Number(res.body.id)
  await bed.sim.fail(id)
  const answers = await Promise.all(Array.from({ length: 50 }, () => bed.api.get(`/api/jobs/${id}/`)))
  t.same([...new Set(answers.map(a => a.status))], [200])
  t.same([...new Set(answers.map(a => a.body.status))], [-1])
  const ledger = await jobLedger(bed, id)
  t.same(ledger.filter(row => row.startsWith('refund')), [`refund ${String(res.body.cost_usd)}`], 'one settlement row')
  t.same(await bed.usage(), { charged: '0.0000', held: '0.0000', adjusted: '0.0000' })
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: id } })
  t.equal(job.state, 'failed')
  t.equal(job.refundedCost.toFixed(4), String(res.body.cost_usd))

  // the same for a job finishing at a different cost than created is not possible with the simulator; a
  // cancellation raced by 50 readers must also settle once
  const second = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  await bed.upstream.delete(`/api/jobs/${String(second.body.id)}/`) // cancelled at TensorPix behind the gateway's back
  await Promise.all(Array.from({ length: 50 }, () => bed.api.get(`/api/jobs/${String(second.body.id)}/`)))
  const rows = (await jobLedger(bed, second.body.id)).filter(row => row.startsWith('refund') || row.startsWith('charge'))
  t.equal(rows.filter(row => row.startsWith('refund')).length <= 1, true, 'at most one refund row')
  t.equal((await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: Number(second.body.id) } })).state, 'cancelled')
})
