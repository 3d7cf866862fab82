// N gateway processes on one PostgreSQL and one Redis, in front of one TensorPix (or simulator), each on its own
// port and each running the workers: what `npm run replicas` starts and test/integration/replicas checks.
import { generateKey } from '../../src/auth/key-format.ts'
import { spawnGateway, type GatewayProcess } from './money-bed.ts'
import type { Teardown } from './video-server.ts'

export interface ReplicaOptions {
  count: number
  databaseUrl: string
  redisUrl: string
  upstream: { url: string, token: string }
  env?: Record<string, string>
}

export interface Replicas {
  replicas: GatewayProcess[]
  /** the admin key every replica ensures at startup (GATEWAY_ADMIN_KEY) */
  adminKey: string
}

export async function startReplicas (t: Teardown, options: ReplicaOptions): Promise<Replicas> {
  const adminKey = generateKey().key
  const env = {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    TENSORPIX_BASE_URL: options.upstream.url,
    TENSORPIX_TOKEN: options.upstream.token,
    GATEWAY_ADMIN_KEY: adminKey,
    WORKERS: 'true',
    ...options.env
  }
  const replicas = await Promise.all(Array.from({ length: options.count }, () => spawnGateway(t, env)))
  return { replicas, adminKey }
}
