// A database that can be taken away: a loopback TCP proxy in front of PostgreSQL (or anything else), so a test can
// cut a running gateway off its database and give it back, without touching the server other tests share.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { Teardown } from './teardown.ts'

export interface TcpProxy {
  port: number
  /** closes the listener and cuts every connection: new connections are refused */
  stop (): Promise<void>
  /** listens again on the same port */
  start (): Promise<void>
}

export async function startTcpProxy (t: Teardown, target: { host: string, port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0
  const listen = async () => {
    const s = createServer(client => {
      const upstream = connect(target.port, target.host)
      sockets.add(client)
      sockets.add(upstream)
      const drop = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
      client.on('error', drop).on('close', drop)
      upstream.on('error', drop).on('close', drop)
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>(resolve => s.listen(port, '127.0.0.1', resolve))
    port = (s.address() as AddressInfo).port
    server = s
  }
  const stop = async () => {
    const s = server
    server = null
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    if (s) await new Promise<void>(resolve => s.close(() => resolve()))
  }
  await listen()
  t.teardown(stop)
  return { port, stop, start: listen }
}
