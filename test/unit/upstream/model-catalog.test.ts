import t from 'tap'
import type { UpstreamClient } from '../../../src/upstream/client.ts'
import { ModelCatalog } from '../../../src/upstream/model-catalog.ts'
import { TensorpixApi } from '../../../src/upstream/tensorpix.ts'

/** An upstream that answers the model list (or fails), counting the calls. */
function upstream (answers: { fail?: boolean } = {}) {
  const state = { calls: 0, fail: answers.fail ?? false }
  const client = {
    async request () {
      state.calls++
      if (state.fail) throw new Error('unreachable')
      return { status: 200, headers: {}, body: { next: null, results: [{ id: 34, name: 'Upscale', task: 1, cost_weight: 1 }, { id: 41, name: 'Denoise', task: 3, cost_weight: 0.5 }] } }
    }
  } as unknown as UpstreamClient
  return { client: new TensorpixApi(client), state }
}

const settled = () => new Promise(resolve => setImmediate(resolve))

t.test('cost weights come from the catalogue as cached, never waiting for TensorPix', async t => {
  let now = 0
  const { client, state } = upstream()
  const catalog = new ModelCatalog(client, 1000, () => now)
  t.equal(catalog.costWeights([34]), null, 'not read yet: null (equal weights), and a read is started')
  await settled()
  t.equal(state.calls, 1)
  t.same(catalog.costWeights([41, 34]), { 41: '0.5', 34: '1' })
  t.equal(catalog.costWeights([34, 99]), null, 'an unknown model: null')
  now = 5000
  t.same(catalog.costWeights([34]), { 34: '1' }, 'past its TTL the last read still answers…')
  await settled()
  t.equal(state.calls, 2, '…while it is read again in the background')
})

t.test('an unreachable catalogue answers null and is retried on the next create', async t => {
  const { client, state } = upstream({ fail: true })
  const catalog = new ModelCatalog(client)
  t.equal(catalog.costWeights([34]), null)
  await settled()
  t.equal(catalog.costWeights([34]), null)
  await settled()
  t.equal(state.calls, 2)
})
