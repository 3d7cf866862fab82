import t from 'tap'
import { allows, isControlPlaneKey } from '../../../src/admin/access.ts'

t.test('admin does everything, finance reads and adjusts budgets, data-plane keys nothing', async t => {
  t.same(['read', 'budget', 'manage'].map(a => allows(['admin'], a as 'read')), [true, true, true])
  t.same(['read', 'budget', 'manage'].map(a => allows(['finance'], a as 'read')), [true, true, false])
  t.same(['read', 'budget', 'manage'].map(a => allows(['jobs:read', 'jobs:write'], a as 'read')), [false, false, false])
  t.equal(isControlPlaneKey(['jobs:write']), false)
  t.equal(isControlPlaneKey(['finance']), true)
})
