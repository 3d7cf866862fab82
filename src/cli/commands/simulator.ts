import { Command, InvalidArgumentError } from 'commander'
import { applyBehaviour, DEFAULT_BEHAVIOUR, startSimulator, type BehaviourChange } from '../../simulator/index.ts'

function port (value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number')
  return n
}

function behaviour (value: string): BehaviourChange {
  let change: BehaviourChange
  try {
    change = JSON.parse(value) as BehaviourChange
  } catch {
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"jobListOrder":"oldest"}\'')
  }
  try {
    applyBehaviour(DEFAULT_BEHAVIOUR, change)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
  return change
}

function collect (value: string, previous: string[]): string[] {
  return [...previous, value]
}

interface SimulatorFlags {
  host: string
  port: number
  token: string[]
  control: boolean
  behaviour?: BehaviourChange
  stateFile?: string
}

export function simulatorCommand () {
  return new Command('simulator')
    .description('run the TensorPix simulator on its own, for developing clients against it')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', port, 8090)
    .option('--token <token>', 'an accepted API token (repeatable; one account each)', collect, [])
    .option('--control', 'enable the /__sim/ control API', false)
    .option('--behaviour <json>', 'undocumented TensorPix behaviour to play (see docs/simulator.md)', behaviour)
    .option('--state-file <path>', 'keep accounts, videos and jobs in this JSON file across restarts')
    .action(async (options: SimulatorFlags) => {
      const tokens = options.token.length ? options.token : ['sim-token']
      const simulator = await startSimulator({
        tokens,
        controlApi: options.control,
        clock: 'realtime',
        host: options.host,
        port: options.port,
        logger: true,
        behaviour: options.behaviour,
        stateFile: options.stateFile
      })
      process.stderr.write(`TensorPix simulator on ${simulator.url} (tokens: ${tokens.join(', ')})\n`)
      const stop = async () => { await simulator.close(); process.exit(0) }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
}
