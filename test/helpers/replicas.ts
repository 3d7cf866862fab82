// scripts/replicas.ts imports startReplicas from this path; the helper itself lives with the other process helpers.
export { startReplicas, type ReplicaOptions, type Replicas } from './processes.ts'
