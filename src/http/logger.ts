// One pino logger for the process. Redaction is two layers: pino's path redaction for the places we know
// (headers, config), and a last pass over every serialized line that masks the master token and the secret half
// of any gateway key, wherever an error message or a stray object might have carried them.
import pino, { type Logger } from 'pino'

const KEY_SECRET = /(tgw_[a-z2-7]{12}_)[A-Za-z0-9_-]{32,128}/g
const CENSOR = '[REDACTED]'
// stdout is written in batches of this many bytes (or every FLUSH_MS when quieter) rather than one write per line: a
// write per request costs more than the line itself. pino flushes the rest when the process exits; only a SIGKILL
// can lose the last second.
const BATCH_BYTES = 4096
const FLUSH_MS = 1000

export interface LoggerOptions {
  level: string
  masterToken?: string | undefined
  destination?: pino.DestinationStream
}

export function scrubSecrets (line: string, masterToken?: string): string {
  const masked = line.replace(KEY_SECRET, `$1${CENSOR}`)
  return masterToken ? masked.replaceAll(masterToken, CENSOR) : masked
}

export function createLogger (options: LoggerOptions): Logger {
  return pino({
    level: options.level,
    redact: {
      paths: [
        'req.headers.authorization', 'headers.authorization', 'authorization', '*.authorization',
        'TENSORPIX_TOKEN', '*.TENSORPIX_TOKEN', 'GATEWAY_ADMIN_KEY', '*.GATEWAY_ADMIN_KEY', 'key', '*.key', 'token', '*.token'
      ],
      censor: CENSOR
    },
    hooks: { streamWrite: (line) => scrubSecrets(line, options.masterToken) },
    timestamp: pino.stdTimeFunctions.isoTime
  }, options.destination ?? pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES, periodicFlush: FLUSH_MS }))
}
