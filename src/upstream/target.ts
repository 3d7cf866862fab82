/** Where the gateway forwards to, and with which master token. The token is used by src/upstream only. */
export interface UpstreamTarget {
  baseUrl: string
  token: string
  simulated: boolean
}
