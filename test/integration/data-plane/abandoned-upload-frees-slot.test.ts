// Regression: a client that hangs up mid-upload used to keep its upstream call open for good, holding one of the
// gateway's upstream slots; enough of them and every TensorPix call was refused 503.
import t from 'tap'
import http from 'node:http'
import { dataPlaneBed } from '../../helpers/data-plane-bed.ts'

t.test('an abandoned upload frees its upstream slot', async t => {
  const bed = await dataPlaneBed(t, { env: { UPSTREAM_MAX_CONCURRENCY: '1', UPSTREAM_QUEUE_WAIT_MS: '1000' } })
  const { hostname, port } = new URL(bed.origin)
  for (let i = 0; i < 3; i++) {
    await new Promise<void>(resolve => {
      const req = http.request({
        host: hostname,
        port,
        method: 'POST',
        path: '/api/videos/',
        headers: {
          authorization: `Token ${bed.key.key}`,
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': String(1024 * 1024)
        }
      })
      req.on('error', () => resolve())
      req.write('--x\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n' + 'a'.repeat(1024))
      setTimeout(() => { req.destroy(); resolve() }, 150)
    })
  }
  await new Promise(resolve => setTimeout(resolve, 300))
  const models = await bed.api.get('/api/ml-models/')
  t.equal(models.status, 200, 'with one upstream slot, the next call still gets it')
})
