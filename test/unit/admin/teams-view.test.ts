import t from 'tap'
import { Prisma } from '../../../src/db/client.ts'
import type { Team } from '../../../src/generated/prisma/client.ts'
import { applyPatch, docFromCreate, teamColumns, teamView } from '../../../src/admin/teams/view.ts'
import { needsModelCatalog, teamProblems } from '../../../src/admin/teams/rules.ts'

const created = docFromCreate({ slug: 'a', name: 'A', budget: { credits: '10.5', period: 'week', mode: 'soft' } })

t.test('create fills in the defaults', async t => {
  t.same(created, {
    name: 'A',
    budget: { credits: '10.5', period: 'week', mode: 'soft', overdraft: '0', alertThresholds: [50, 80, 100], maxJobCost: null },
    limits: {
      requestsPerMinute: null,
      keyRequestsPerMinute: null,
      maxConcurrentJobs: null,
      maxJobsPerDay: null,
      maxUploadBytes: null
    },
    optionPolicy: {},
    urlPolicy: {},
    retentionDays: null
  })
})

t.test('a patch merges budget and limits, replaces policy documents, and null clears', async t => {
  const base = { ...created, optionPolicy: { allowComparison: false, allowedModels: [1] }, retentionDays: 7 }
  const doc = applyPatch(base, { budget: { mode: 'hard', maxJobCost: '2' }, limits: { maxJobsPerDay: 5 }, optionPolicy: { allowedTasks: [3] }, retentionDays: null })
  t.same(doc.budget, { ...created.budget, mode: 'hard', maxJobCost: '2' })
  t.same(doc.limits.maxJobsPerDay, 5)
  t.same(doc.optionPolicy, { allowedTasks: [3] })
  t.equal(doc.retentionDays, null)
  t.same(applyPatch(base, { name: 'B' }), { ...base, name: 'B' }, 'untouched fields stay')
})

t.test('columns keep money as strings and sort the thresholds; views format money with 4 places', async t => {
  const columns = teamColumns({ ...created, budget: { ...created.budget, alertThresholds: [100, 20, 75] } })
  t.equal(columns.budgetCredits, '10.5')
  t.same(columns.alertThresholds, [20, 75, 100])
  const at = new Date('2026-01-02T03:04:05.000Z')
  const row = {
    ...columns,
    id: 'id',
    slug: 'a',
    disabled: false,
    budgetCredits: new Prisma.Decimal('10.5'),
    overdraftCredits: new Prisma.Decimal('0'),
    maxJobCost: new Prisma.Decimal('0.1'),
    optionPolicy: ['not', 'an', 'object'],
    maxUploadBytes: null,
    createdAt: at,
    updatedAt: at
  } as unknown as Team
  const view = teamView(row)
  t.same(view.budget, { credits: '10.5000', period: 'week', mode: 'soft', overdraft: '0.0000', alertThresholds: [20, 75, 100], maxJobCost: '0.1000' })
  t.same(view.optionPolicy, {}, 'a malformed stored policy reads as no restriction')
  t.equal(view.createdAt, '2026-01-02T03:04:05.000Z')
})

t.test('whole-team rules', async t => {
  const ctx = { at: 'body', modelIds: new Set([1, 2]) }
  t.same(teamProblems(created, ctx), [])
  const doc = {
    ...created,
    limits: { ...created.limits, requestsPerMinute: 10, keyRequestsPerMinute: 11 },
    optionPolicy: { allowedModels: [2, 3], maxSegmentFrames: 100, allowFrameRanges: false }
  }
  t.same(teamProblems(doc, ctx).map(p => p.field), [
    'body.limits.keyRequestsPerMinute', 'body.optionPolicy.allowedModels.1', 'body.optionPolicy.maxSegmentFrames'
  ])
  t.same(teamProblems({ ...doc, optionPolicy: { ...doc.optionPolicy, allowNonPreview: false } }, { at: 'body', modelIds: null })
    .map(p => p.field), ['body.limits.keyRequestsPerMinute'], 'previews only is consistent; no catalogue, no model check')
  t.equal(needsModelCatalog({ optionPolicy: { allowedModels: [] } }), false)
  t.equal(needsModelCatalog({}), false)
  t.equal(needsModelCatalog({ optionPolicy: { allowedModels: [4] } }), true)
})

t.test('the upload limit is a BIGINT column and a plain integer in the document', async t => {
  const doc = applyPatch(docFromCreate({ slug: 'a', name: 'A', budget: { credits: '1', period: 'month', mode: 'hard' } }),
    { limits: { maxUploadBytes: 10 * 1024 ** 3 } })
  t.equal(teamColumns(doc).maxUploadBytes, 10n * 1024n ** 3n)
  t.equal(applyPatch(doc, { limits: { maxUploadBytes: null } }).limits.maxUploadBytes, null, 'null goes back to the gateway default')
})
