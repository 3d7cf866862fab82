import { Command } from 'commander'
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig } from '../../config.ts'
import { createLogger } from '../../http/logger.ts'
import { startGateway } from '../../server.ts'
import { fail } from '../output.ts'

// In-flight requests get this long to finish after SIGTERM/SIGINT before the process exits anyway.
const SHUTDOWN_GRACE_MS = 10_000

export function serveCommand () {
  return new Command('serve')
    .description('run the gateway (configured from the environment; see the README)')
    .action(async () => {
      let config
      try {
        config = loadConfig()
      } catch (err) {
        if (err instanceof ConfigError) fail(err.message, 78)
        throw err
      }
      const logger = createLogger({ level: config.LOG_LEVEL, masterToken: config.TENSORPIX_TOKEN })
      let gateway
      try {
        gateway = await startGateway(config, logger)
      } catch (err) {
        logger.fatal({ err }, 'startup failed')
        fail(`startup failed: ${(err as Error).message}`)
      }
      const running = gateway
      closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
        if (err) logger.error({ err }, 'shutting down after an error')
        else logger.info({ signal }, 'shutting down')
        await running.close()
      })
    })
}
