// The gateway's own DELETEs are measured against the account's balance (src/account/cancel-bracket.ts): creates
// wait at the gate while one is measured, so the balance's change across the DELETE is the cancel's refund, and a
// team pays its job's create cost less that refund whether TensorPix reports cost_usd net or gross.
import t, { type Test } from 'tap'
import { Decimal } from 'decimal.js'
import { dataPlaneBed, fromUrl, type Bed } from '../../helpers/data-plane-bed.ts'
import { ledgerNetByTeam, simulatorNetByTeam } from '../../helpers/ledger.ts'
import { BRACKET_LOCK, GATE_WAIT_MS } from '../../../src/account/cancel-bracket.ts'
import { recordMeasuredRefund } from '../../../src/jobs/snapshot.ts'

const GROSS = { sim: { behaviour: { cancelCostReport: 'gross' as const } } }

async function create (bed: Bed): Promise<number> {
  const res = await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`)
  return Number(res.body.id)
}

/**
 * Holds the brackets' lock as a bracket would, with a bracket row of its own still open, until `release` is called.
 */
async function holdBracket (bed: Bed, jobId: string) {
  const { id } = await bed.gw.db.cancelBracket.create({ data: { jobId } })
  let release = () => {}
  const released = new Promise<void>(resolve => { release = resolve })
  let taken = () => {}
  const locked = new Promise<void>(resolve => { taken = resolve })
  const held = bed.gw.db.$transaction(async tx => {
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(${BRACKET_LOCK})::text`
    taken()
    await released
  }, { timeout: 30_000 })
  await locked
  return { id, release: async () => { release(); await held } }
}

async function teamsPayWhatTheAccountLost (t: Test, bed: Bed) {
  const ledger = await ledgerNetByTeam(bed.gw.db)
  for (const [team, net] of await simulatorNetByTeam(bed.gw.db, bed.sim)) {
    t.equal((ledger.get(team) ?? new Decimal(0)).toFixed(4), net.toFixed(4), `team ${team}: ledger net = account lost`)
  }
}

t.test('a cancel reported gross costs the team its create cost less the refund the balance showed', async t => {
  const bed = await dataPlaneBed(t, GROSS)
  const id = await create(bed)
  await bed.sim.advance(id)
  t.equal((await bed.api.delete(`/api/jobs/${id}/`)).status, 204)
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: id } })
  const [charge] = (await bed.sim.account()).job_charges
  t.equal((await bed.sim.job(id)).cost_usd, charge?.charged, 'TensorPix still reports the create cost')
  t.equal(job.cancelRefundMeasured?.toFixed(4), charge?.refunded, 'the measured refund is what the account got back')
  t.equal(job.state, 'cancelled')
  await teamsPayWhatTheAccountLost(t, bed)
  const [bracket] = await bed.gw.db.cancelBracket.findMany()
  t.match(bracket, { jobId: job.id, outcome: 'measured', intruders: 0, note: null, closedAt: Date })
  t.equal((await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })).status, 201, 'creates go on')
})

t.test('a DELETE answered 502 after TensorPix cancelled the job: the balance still shows the refund', async t => {
  const bed = await dataPlaneBed(t, GROSS)
  const [id, refused] = [await create(bed), await create(bed)]
  await bed.sim.advance(id)
  await bed.sim.fault({ kind: 'commit_then_error', route: 'DELETE /api/jobs/:id/', status: 502, times: 1 })
  t.equal((await bed.api.delete(`/api/jobs/${id}/`)).status, 502, 'the client sees the 502')
  t.equal((await bed.api.delete(`/api/jobs/${id}/`)).status, 409, 'a retry: already cancelled')
  await bed.sim.complete(refused)
  t.equal((await bed.api.delete(`/api/jobs/${refused}/`)).status, 409, 'a finished job cannot be cancelled')
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: id } })
  t.equal(job.cancelRefundMeasured?.toFixed(4), (await bed.sim.account()).job_charges[0]?.refunded)
  t.same((await bed.gw.db.cancelBracket.findMany({ orderBy: { id: 'asc' } })).map(b => b.outcome),
    ['measured', 'not_cancelled', 'not_cancelled'], 'a refusal measures nothing')
  t.equal((await bed.api.get(`/api/jobs/${id}/`)).status, 200)
  await teamsPayWhatTheAccountLost(t, bed)
})

t.test('a create waits while a cancel is measured and goes ahead once the gate opens', async t => {
  const bed = await dataPlaneBed(t)
  const first = await create(bed)
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: first } })
  const bracket = await holdBracket(bed, job.id)
  const waiting = bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })
  await new Promise(resolve => setTimeout(resolve, 300))
  t.equal((await bed.sim.allJobs()).length, 1, 'nothing was forwarded while a cancel was measured')
  await bracket.release()
  t.equal((await waiting).status, 201, 'then it went through')
  t.equal((await bed.gw.db.cancelBracket.findUniqueOrThrow({ where: { id: bracket.id } })).intruders, 0)
})

t.test(`a create waits at most ${GATE_WAIT_MS} ms, then goes ahead and marks the bracket unclean`, async t => {
  const bed = await dataPlaneBed(t)
  const first = await create(bed)
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: first } })
  const bracket = await holdBracket(bed, job.id)
  const started = Date.now()
  t.equal((await bed.api.post('/api/jobs/from-url/', { json: fromUrl(bed) })).status, 201)
  t.ok(Date.now() - started >= GATE_WAIT_MS, 'it waited first')
  t.equal((await bed.gw.db.cancelBracket.findUniqueOrThrow({ where: { id: bracket.id } })).intruders, 2,
    'marked in its hold and again after the hold committed, before it was sent')
  await bracket.release()
})

t.test('a DELETE that cannot have the lock goes unmeasured and marks the bracket under way unclean', async t => {
  const bed = await dataPlaneBed(t, GROSS)
  const id = await create(bed)
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: id } })
  const bracket = await holdBracket(bed, job.id)
  t.equal((await bed.api.delete(`/api/jobs/${id}/`)).status, 204, 'the client cancel still happens')
  t.equal((await bed.gw.db.cancelBracket.findUniqueOrThrow({ where: { id: bracket.id } })).intruders, 1)
  t.equal((await bed.gw.db.job.findUniqueOrThrow({ where: { id: job.id } })).cancelRefundMeasured, null)
  const own = await bed.gw.db.cancelBracket.findFirstOrThrow({ where: { id: { not: bracket.id } } })
  t.match(own, { outcome: 'unmeasured', closedAt: Date }, 'announced to brackets by a row of its own while in flight')
  await bracket.release()
})

t.test('a create still in flight makes the measurement unclean: no refund is taken from it', async t => {
  const bed = await dataPlaneBed(t, GROSS)
  const [cancelled, other] = [await create(bed), await create(bed)]
  // a create whose answer has not come: pending, as its row is while TensorPix works on it
  await bed.gw.db.job.updateMany({ where: { upstreamId: other }, data: { state: 'pending' } })
  t.equal((await bed.api.delete(`/api/jobs/${cancelled}/`)).status, 204, 'the DELETE still goes ahead')
  const [bracket] = await bed.gw.db.cancelBracket.findMany()
  t.match(bracket, { outcome: 'unclean', note: 'creates or unmeasured DELETEs were still in flight' })
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: cancelled } })
  t.equal(job.cancelRefundMeasured, null, 'nothing measured: the account semantics and the account check decide')
})

t.test('a cancel settled before its bracket closed is corrected to the measured refund', async t => {
  const bed = await dataPlaneBed(t, GROSS)
  const id = await create(bed)
  await bed.sim.advance(id)
  // cancelled in TensorPix and read back by the gateway before any measurement: settled at the gross cost_usd
  t.equal((await bed.upstream.delete(`/api/jobs/${id}/`)).status, 204)
  t.equal((await bed.api.get(`/api/jobs/${id}/`)).status, 200)
  const job = await bed.gw.db.job.findFirstOrThrow({ where: { upstreamId: id } })
  t.equal(job.state, 'cancelled')
  t.equal(job.refundedCost.toFixed(4), '0.0000', 'nothing refunded: cost_usd shows none')
  const refunded = new Decimal((await bed.sim.account()).job_charges[0]?.refunded ?? 0)
  await bed.gw.db.$transaction(tx => recordMeasuredRefund(tx, job.id, refunded, true))
  const corrected = await bed.gw.db.job.findUniqueOrThrow({ where: { id: job.id } })
  t.equal(corrected.refundedCost.toFixed(4), refunded.toFixed(4), 'the measured refund, as a refund row')
  await teamsPayWhatTheAccountLost(t, bed)
  await bed.gw.db.$transaction(tx => recordMeasuredRefund(tx, job.id, refunded, true))
  t.equal((await bed.gw.db.job.findUniqueOrThrow({ where: { id: job.id } })).refundedCost.toFixed(4),
    refunded.toFixed(4), 'recorded twice, refunded once')
  await bed.gw.db.$transaction(tx => recordMeasuredRefund(tx, job.id, new Decimal('0.0001'), false))
  const kept = await bed.gw.db.job.findUniqueOrThrow({ where: { id: job.id } })
  t.equal(kept.cancelRefundMeasured?.toFixed(4), refunded.toFixed(4), 'a figure after a 5xx never replaces a confirmed one')
})
