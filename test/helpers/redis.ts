// scripts/replicas.ts imports sharedRedis from this path; the helper itself lives with the other process helpers.
export { sharedRedis } from './processes.ts'
