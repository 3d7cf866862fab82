// Slow clients: one byte per second of headers or of a body is cut off by the server's deadlines, while other
// clients' requests are answered as fast as ever; an upload that streams for longer than the body deadline still
// works (bytes keep moving), and idle keep-alive connections are closed.
import t from 'tap'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { dataPlaneBed } from '../../helpers/data-plane-bed.ts'
import { fixtureBytes, multipartBody } from '../../helpers/video-server.ts'

const DEADLINE_MS = 1500
const env = { HEADERS_TIMEOUT_MS: String(DEADLINE_MS), BODY_TIMEOUT_MS: String(DEADLINE_MS), KEEP_ALIVE_TIMEOUT_MS: '1000' }

/**
 * Opens a connection, sends `head` at once and then `trickle` one byte per second; resolves when the server hangs up.
 */
function slowClient (
  origin: string,
  head: string,
  trickle: string
): Promise<{ closedAfterMs: number, answer: string }> {
  const { port } = new URL(origin)
  return new Promise(resolve => {
    const started = performance.now()
    let answer = ''
    let timer: NodeJS.Timeout | undefined
    const socket: Socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(head)
      let i = 0
      if (trickle) {
        timer = setInterval(() => {
          if (!socket.destroyed) socket.write(trickle[i++ % trickle.length] as string)
        }, 1000)
      }
    })
    socket.on('data', chunk => { answer += String(chunk) })
    socket.on('error', () => {})
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ closedAfterMs: performance.now() - started, answer })
    })
  })
}

/** Latencies of back-to-back requests from a well-behaved client while `until` is pending. */
async function meanwhile (until: Promise<unknown>, call: () => Promise<unknown>): Promise<number[]> {
  const state = { done: false }
  until.finally(() => { state.done = true }).catch(() => {})
  const latencies: number[] = []
  while (!state.done) {
    const started = performance.now()
    await call()
    latencies.push(performance.now() - started)
    await sleep(20)
  }
  return latencies
}

t.test('a client sending one byte per second is cut off; others are not slowed down', async t => {
  const bed = await dataPlaneBed(t, { env })
  const simBefore = (await bed.sim.account()).jobs_created
  const auth = `Authorization: Token ${bed.key.key}\r\n`
  const slow = Promise.all([
    slowClient(bed.origin, 'GET /api/jobs/ HTTP/1.1\r\nHost: gw\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'),
    slowClient(bed.origin, `POST /api/jobs/from-url/ HTTP/1.1\r\nHost: gw\r\n${auth}Content-Type: application/json\r\nContent-Length: 200\r\n\r\n`, '{"video_url":')
  ])
  const latencies = await meanwhile(slow, () => bed.api.get('/api/jobs/'))
  const [headers, body] = await slow
  for (const [name, cut] of [['slow headers', headers], ['slow body', body]] as const) {
    // the deadline, plus Node's connection check interval (500 ms) and a shared machine's slack
    t.ok(cut.closedAfterMs >= DEADLINE_MS - 100 && cut.closedAfterMs < DEADLINE_MS + 3000, `${name}: closed after ${Math.round(cut.closedAfterMs)} ms`)
  }
  t.match(headers.answer, /^HTTP\/1\.1 408 /, 'slow headers get a 408 before the hang-up')
  latencies.sort((a, b) => a - b)
  t.ok(latencies.length >= 10, `${latencies.length} requests from a well-behaved client meanwhile`)
  const median = latencies[Math.floor(latencies.length / 2)] as number
  const worst = latencies[latencies.length - 1] as number
  t.ok(median < 200 && worst < 2000, `their latency stayed low: median ${median.toFixed(1)} ms, worst ${worst.toFixed(1)} ms`)
  t.equal((await bed.sim.account()).jobs_created, simBefore, 'the cut-off create reached nobody')
  t.same(await bed.usage(), { charged: '0.0000', held: '0.0000', adjusted: '0.0000' }, 'and held nothing')
})

t.test('an upload streaming for longer than the body deadline still works', async t => {
  const bed = await dataPlaneBed(t, { env })
  const { payload, contentType } = multipartBody({}, [{ field: 'file', filename: 'a.mp4', type: 'video/mp4', content: fixtureBytes('clip-320x180-24fps-48f.mp4') }])
  // the closing boundary travels with the last bytes of the file: the simulator answers as soon as the file part
  // ends, and an answer before the request is complete is a reset to undici
  const tail = payload.length - 200
  const pieces = 6
  const size = Math.ceil(tail / pieces)
  const body = new ReadableStream<Uint8Array>({
    async start (controller) {
      for (let at = 0; at < tail; at += size) {
        controller.enqueue(payload.subarray(at, Math.min(at + size, tail)))
        await sleep(500)
      }
      controller.enqueue(payload.subarray(tail))
      controller.close()
    }
  })
  const started = performance.now()
  const res = await fetch(`${bed.origin}/api/videos/`, {
    method: 'POST', body, duplex: 'half', headers: { authorization: `Token ${bed.key.key}`, 'content-type': contentType }
  } as RequestInit)
  t.equal(res.status, 201, `uploaded in ${Math.round(performance.now() - started)} ms: ${await res.text()}`)
  t.ok(performance.now() - started > DEADLINE_MS, 'for longer than BODY_TIMEOUT_MS')
})

t.test('an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS', async t => {
  const bed = await dataPlaneBed(t, { env })
  const idle = await slowClient(bed.origin, 'GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n', '')
  t.match(idle.answer, /^HTTP\/1\.1 200 /)
  t.ok(idle.closedAfterMs >= 900 && idle.closedAfterMs < 4000, `closed after ${Math.round(idle.closedAfterMs)} ms`)
})
