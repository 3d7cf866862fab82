// tpx-gateway webhooks list|create|get|update|delete|deliveries
import { Command, InvalidArgumentError } from 'commander'
import type { Page } from '../../admin/page.ts'
import { WEBHOOK_EVENT_TYPES } from '../../webhooks/events.ts'
import type { DeliveryView, WebhookView, WebhookWithSecret } from '../../webhooks/schemas.ts'
import { adminAction, withConnection, type Output } from '../admin-client.ts'
import { listing, table } from '../table.ts'
import { count } from './teams.ts'

/** Comma-separated event types; "all" (or nothing) for every type. */
function eventList (value: string): string[] {
  if (value === 'all' || value === '') return []
  const events = value.split(',').map(s => s.trim())
  const unknown = events.filter(e => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e))
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown event type ${unknown.join(', ')}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`)
  return events
}

const describe = (w: WebhookView) => listing([
  ['id', w.id], ['team', w.teamSlug], ['url', w.url], ['events', w.events.length > 0 ? w.events.join(', ') : '(all)'],
  ['description', w.description], ['disabled', w.disabled], ['updated', w.updatedAt]
])

const show = (w: WebhookView): Output => ({ json: w, human: describe(w) })

const base = (team: unknown) => `/teams/${encodeURIComponent(String(team))}/webhooks`
const one = (team: unknown, id: string) => `${base(team)}/${encodeURIComponent(id)}`

function withTeam (command: Command): Command {
  return withConnection(command).requiredOption('--team <slug>', 'team slug')
}

export function webhooksCommand (): Command {
  const webhooks = new Command('webhooks').description("manage a team's webhook endpoints (admin API)")

  webhooks.addCommand(withTeam(new Command('list'))
    .description("list the team's webhook endpoints")
    .action(adminAction(async (client, o) => {
      const { items } = await client.get<{ items: WebhookView[] }>(base(o.team))
      return {
        json: { items },
        human: table(['ID', 'URL', 'EVENTS', 'STATUS', 'DESCRIPTION'], items.map(w => [
          w.id, w.url, w.events.length > 0 ? w.events.join(',') : 'all', w.disabled ? 'disabled' : 'enabled', w.description
        ]))
      }
    })))

  webhooks.addCommand(withTeam(new Command('create'))
    .description('register a webhook URL; prints the signing secret once')
    .argument('<url>', 'https URL receiving the events')
    .option('--events <list>', `comma-separated (${WEBHOOK_EVENT_TYPES.join(', ')}) or all`, eventList)
    .option('--description <text>', 'what the endpoint is for')
    .action(adminAction(async (client, o, url: string) => {
      const created = await client.post<WebhookWithSecret>(base(o.team), {
        url, ...(o.events ? { events: o.events } : {}), ...(o.description ? { description: o.description } : {})
      })
      // the secret alone on the first line, so `| head -1` captures it
      return { json: created, human: `${created.secret}\n\n${describe(created)}`, note: 'created: store the secret now, it is not shown again' }
    })))

  webhooks.addCommand(withTeam(new Command('get'))
    .description('show a webhook endpoint')
    .argument('<id>')
    .action(adminAction(async (client, o, id: string) => show(await client.get<WebhookView>(one(o.team, id))))))

  webhooks.addCommand(withTeam(new Command('update'))
    .description('change the URL, event filter or description, or disable/enable')
    .argument('<id>')
    .option('--webhook-url <url>', 'new https URL (--url is the gateway)')
    .option('--events <list>', 'comma-separated event types, or all', eventList)
    .option('--description <text>', 'what the endpoint is for')
    .option('--disable', 'stop sending events to it')
    .option('--enable', 'send events to it again')
    .action(adminAction(async (client, o, id: string) => {
      const body = Object.fromEntries(Object.entries({
        url: o.webhookUrl,
        events: o.events,
        description: o.description,
        disabled: o.disable ? true : o.enable ? false : undefined
      }).filter(([, v]) => v !== undefined))
      return show(await client.patch<WebhookView>(one(o.team, id), body))
    })))

  webhooks.addCommand(withTeam(new Command('delete'))
    .description('delete a webhook endpoint and its delivery log')
    .argument('<id>')
    .action(adminAction(async (client, o, id: string) => show(await client.delete<WebhookView>(one(o.team, id))))))

  webhooks.addCommand(withTeam(new Command('deliveries'))
    .description("an endpoint's delivery log, newest first")
    .argument('<id>')
    .option('--state <state>', 'pending, delivered or failed')
    .option('--limit <n>', 'page size', count)
    .option('--cursor <cursor>', 'next page, as printed by the previous one')
    .action(adminAction(async (client, o, id: string) => {
      const page = await client.get<Page<DeliveryView>>(`${one(o.team, id)}/deliveries`, {
        state: o.state as string | undefined,
        limit: o.limit as number | undefined,
        cursor: o.cursor as string | undefined
      })
      return {
        json: page,
        human: table(['ID', 'CREATED', 'EVENT', 'STATE', 'ATTEMPTS', 'LAST STATUS', 'LAST ERROR'], page.items.map(d => [
          d.id, d.createdAt, d.eventType, d.state, d.attempts, d.lastStatus, d.lastError
        ])),
        ...(page.nextCursor ? { note: `more: --cursor ${page.nextCursor}` } : {})
      }
    })))
  return webhooks
}
