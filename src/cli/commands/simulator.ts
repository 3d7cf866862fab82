import { Command, InvalidArgumentError } from 'commander'
import { startSimulator } from '../../simulator/index.ts'

function port (value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number')
  return n
}

function collect (value: string, previous: string[]): string[] {
  return [...previous, value]
}

export function simulatorCommand () {
  return new Command('simulator')
    .description('run the TensorPix simulator on its own, for developing clients against it')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', port, 8090)
    .option('--token <token>', 'an accepted API token (repeatable; one account each)', collect, [])
    .option('--control', 'enable the /__sim/ control API', false)
    .action(async (options: { host: string, port: number, token: string[], control: boolean }) => {
      const tokens = options.token.length ? options.token : ['sim-token']
      const simulator = await startSimulator({
        tokens, controlApi: options.control, clock: 'realtime', host: options.host, port: options.port, logger: true
      })
      process.stderr.write(`TensorPix simulator on ${simulator.url} (tokens: ${tokens.join(', ')})\n`)
      const stop = async () => { await simulator.close(); process.exit(0) }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
}
