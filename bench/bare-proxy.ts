// The ceiling for any gateway on this machine: a few lines of undici forwarding, no auth, no policy, no database.
// Usage: tsx bench/bare-proxy.ts <port> <upstream origin> <upstream token>
import { createServer } from 'node:http'
import { Pool } from 'undici'

const [port, origin, token] = process.argv.slice(2) as [string, string, string]
const pool = new Pool(origin, { connections: 128, pipelining: 1 })

createServer((req, res) => {
  pool.request({
    method: req.method as 'GET',
    path: req.url ?? '/',
    headers: { 'content-type': req.headers['content-type'] ?? 'application/json', authorization: `Token ${token}` },
    body: req.method === 'GET' ? null : req
  }).then(async upstream => {
    res.writeHead(upstream.statusCode, { 'content-type': String(upstream.headers['content-type'] ?? 'application/json') })
    for await (const chunk of upstream.body) res.write(chunk)
    res.end()
  }, () => { res.writeHead(502).end() })
}).listen(Number(port), '127.0.0.1', () => process.send?.('ready'))
