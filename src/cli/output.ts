/** Prints a one-paragraph error and exits: CLI users get a sentence, not a stack trace. */
export function fail (message: string, exitCode = 1): never {
  process.stderr.write(`tpx-gateway: ${message}\n`)
  process.exit(exitCode)
}
