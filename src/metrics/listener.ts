// The METRICS_PORT listener: GET /metrics without a key, and nothing else, for a port that only the private network
// (the Prometheus server) can reach. The main port then has no /metrics at all.
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify'
import type { Scraper } from './scrape.ts'

export interface MetricsListener { url: string, close(): Promise<void> }

export async function startMetricsListener (
  options: { host: string, port: number, scraper: Scraper, logger: FastifyBaseLogger }
): Promise<MetricsListener> {
  const server = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true })
  })
  server.get('/metrics', async (_request, reply) => reply.type(options.scraper.contentType).send(await options.scraper.scrape()))
  await server.listen({ host: options.host, port: options.port })
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  return { url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/metrics`, close: () => server.close() }
}
