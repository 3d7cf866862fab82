// tpx-gateway keys list|create|get|revoke|rotate
import { Command, InvalidArgumentError } from 'commander'
import type { KeyView, KeyWithSecret } from '../../admin/keys/schemas.ts'
import { intOrNone } from './teams.ts'
import { adminAction, withConnection, type Output } from '../admin-client.ts'
import { listing, table } from '../table.ts'

function seconds (value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected whole seconds')
  return Number(value)
}

const keyRows = (keys: KeyView[]) => table(['ID', 'PREFIX', 'NAME', 'TEAM', 'SCOPES', 'STATUS', 'EXPIRES', 'LAST USED'],
  keys.map(k => [k.id, k.prefix, k.name, k.teamSlug, k.scopes.join(','), k.status, k.expiresAt, k.lastUsedAt]))

const describeKey = (k: KeyView) => listing([
  ['id', k.id], ['prefix', k.prefix], ['name', k.name], ['team', k.teamSlug ?? '(platform key)'], ['scopes', k.scopes.join(', ')],
  ['status', k.status], ['expires', k.expiresAt], ['revoked', k.revokedAt], ['last used', k.lastUsedAt],
  ['previous secret until', k.previousSecretExpiresAt]
])

/** The secret goes to stdout alone on its first line, so `| head -1` captures it; the rest is context. */
function withSecret (k: KeyWithSecret, what: string): Output {
  return { json: k, human: `${k.key}\n\n${describeKey(k)}`, note: `${what}: store the key now, it is not shown again` }
}

export function keysCommand (): Command {
  const keys = new Command('keys').description('manage gateway keys (admin API)')

  keys.addCommand(withConnection(new Command('list'))
    .description("list a team's keys, or the platform keys without --team")
    .option('--team <slug>', 'team slug')
    .action(adminAction(async (client, o) => {
      const team = o.team as string | undefined
      const { items } = await client.get<{ items: KeyView[] }>(team ? `/teams/${encodeURIComponent(team)}/keys` : '/keys')
      return { json: { items }, human: keyRows(items) }
    })))

  keys.addCommand(withConnection(new Command('create'))
    .description('create a key for a team (jobs:read, jobs:write) or, without --team, a platform key (admin, finance)')
    .option('--team <slug>', 'team slug')
    .requiredOption('--name <name>', 'unique within the team')
    .requiredOption('--scopes <list>', 'comma-separated, e.g. jobs:read,jobs:write')
    .option('--expires-at <iso>', 'expiry, e.g. 2027-01-01T00:00:00Z')
    .option('--rpm <n>', 'requests per minute for this key', intOrNone)
    .option('--max-concurrent <n>', 'active jobs at once for this key', intOrNone)
    .option('--max-jobs-per-day <n>', 'jobs per UTC day for this key', intOrNone)
    .action(adminAction(async (client, o) => {
      const team = o.team as string | undefined
      const limits = Object.fromEntries(Object.entries({
        requestsPerMinute: o.rpm, maxConcurrentJobs: o.maxConcurrent, maxJobsPerDay: o.maxJobsPerDay
      }).filter(([, v]) => v !== undefined))
      const body = {
        name: o.name,
        scopes: String(o.scopes).split(',').map(s => s.trim()),
        ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}),
        ...(Object.keys(limits).length ? { limits } : {})
      }
      const created = await client.post<KeyWithSecret>(team ? `/teams/${encodeURIComponent(team)}/keys` : '/keys', body)
      return withSecret(created, 'created')
    })))

  keys.addCommand(withConnection(new Command('get'))
    .description('show a key')
    .argument('<id>')
    .action(adminAction(async (client, _o, id: string) => {
      const key = await client.get<KeyView>(`/keys/${encodeURIComponent(id)}`)
      return { json: key, human: describeKey(key) }
    })))

  keys.addCommand(withConnection(new Command('revoke'))
    .description('revoke a key (refused everywhere within seconds)')
    .argument('<id>')
    .action(adminAction(async (client, _o, id: string) => {
      const key = await client.delete<KeyView>(`/keys/${encodeURIComponent(id)}`)
      return { json: key, human: describeKey(key) }
    })))

  keys.addCommand(withConnection(new Command('rotate'))
    .description('give a key a new secret; the old one keeps working for the grace period')
    .argument('<id>')
    .option('--grace <seconds>', 'grace period of the old secret (default 86400)', seconds)
    .action(adminAction(async (client, o, id: string) => {
      const body = o.grace === undefined ? {} : { graceSeconds: o.grace }
      return withSecret(await client.post<KeyWithSecret>(`/keys/${encodeURIComponent(id)}/rotate`, body), 'rotated')
    })))
  return keys
}
