// A typed TensorPix client of a test's own, on a simulator or a stand-in server: small pool, short timeouts, closed
// with the test.
import type { UpstreamOptions } from '../../src/upstream/client.ts'
import { UpstreamClient } from '../../src/upstream/client.ts'
import { TensorpixApi } from '../../src/upstream/tensorpix.ts'
import type { Teardown } from './teardown.ts'

export function upstreamOptions (overrides: Partial<UpstreamOptions> = {}): UpstreamOptions {
  return {
    connections: 2,
    maxConcurrent: 4,
    perSecond: 0,
    maxQueueWaitMs: 1000,
    connectTimeoutMs: 1000,
    headersTimeoutMs: 5000,
    bodyTimeoutMs: 5000,
    ...overrides
  }
}

export function tensorpixClient (t: Teardown, target: { url: string, token: string },
  overrides: Partial<UpstreamOptions> = {}): TensorpixApi {
  const api = new TensorpixApi(new UpstreamClient({ baseUrl: target.url, token: target.token, simulated: true },
    upstreamOptions(overrides)))
  t.teardown(() => api.close())
  return api
}
