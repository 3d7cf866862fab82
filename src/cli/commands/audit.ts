// tpx-gateway audit
import { Command, InvalidArgumentError } from 'commander'
import type { AuditEventView } from '../../admin/audit/schemas.ts'
import type { Page } from '../../admin/page.ts'
import { adminAction, withConnection } from '../admin-client.ts'
import { table } from '../table.ts'

function count (value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number')
  return Number(value)
}

export function auditCommand (): Command {
  return withConnection(new Command('audit'))
    .description('admin writes, newest first')
    .option('--actor <keyId>', 'only writes by this key id')
    .option('--target-type <type>', 'team or key')
    .option('--target-id <id>', 'team or key id')
    .option('--action <action>', 'e.g. team.update, key.revoke, budget.adjust')
    .option('--from <iso>', 'from this time (inclusive)')
    .option('--to <iso>', 'until this time (exclusive)')
    .option('--limit <n>', 'page size', count)
    .option('--cursor <cursor>', 'next page, as printed by the previous one')
    .action(adminAction(async (client, o) => {
      const page = await client.get<Page<AuditEventView>>('/audit', {
        actorKeyId: o.actor as string | undefined,
        targetType: o.targetType as string | undefined,
        targetId: o.targetId as string | undefined,
        action: o.action as string | undefined,
        from: o.from as string | undefined,
        to: o.to as string | undefined,
        limit: o.limit as number | undefined,
        cursor: o.cursor as string | undefined
      })
      return {
        json: page,
        human: table(['TIME', 'ACTOR', 'ACTION', 'TARGET', 'REQUEST'],
          page.items.map(e => [e.createdAt, e.actorName, e.action, `${e.targetType}:${e.targetId}`, e.requestId])),
        ...(page.nextCursor ? { note: `more: --cursor ${page.nextCursor}` } : {})
      }
    }))
}
