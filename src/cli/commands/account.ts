// tpx-gateway account top-up <amount> --note <note> [--at <time>] | account top-ups (admin or finance key)
import { Command } from 'commander'
import type { TopUpList, TopUpView } from '../../admin/account/schemas.ts'
import { adminAction, withConnection } from '../admin-client.ts'
import { listing, table } from '../table.ts'

export function accountCommand (): Command {
  const account = new Command('account').description('the master TensorPix account (admin or finance key)')
  account.addCommand(withConnection(new Command('top-up'))
    .description('record a top-up (or any other change) of the master balance made outside the gateway')
    .argument('<amount>', 'signed decimal, up to 4 places, e.g. 500 or -12.5')
    .requiredOption('--note <note>', 'what it was (an invoice number, a credit from TensorPix); kept in the audit log')
    .option('--at <time>', 'when the balance changed, ISO 8601 (default now)')
    .action(adminAction(async (client, o, amount: string) => {
      const body = { amount, note: o.note, ...(o.at === undefined ? {} : { at: o.at }) }
      const topUp = await client.post<TopUpView>('/account/top-ups', body)
      return {
        json: topUp,
        human: listing([['amount', topUp.amount], ['at', topUp.at], ['note', topUp.note], ['id', topUp.id]])
      }
    })))
  account.addCommand(withConnection(new Command('top-ups'))
    .description('the recorded top-ups, newest first')
    .action(adminAction(async client => {
      const list = await client.get<TopUpList>('/account/top-ups')
      return { json: list, human: table(['AT', 'AMOUNT', 'NOTE'], list.topUps.map(u => [u.at, u.amount, u.note])) }
    })))
  return account
}
