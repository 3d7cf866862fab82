import type { Principal } from '../auth/principal.ts'

/** Who performs an admin write, as the audit log records it. */
export interface Actor {
  keyId: string
  // key name and display prefix, e.g. "ops (tgw_abcdefghijkl)": readable even after the key is gone
  name: string
  requestId: string
}

export function actorOf (principal: Principal, requestId: string): Actor {
  return { keyId: principal.keyId, name: `${principal.keyName} (${principal.prefix})`, requestId }
}
