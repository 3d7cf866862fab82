// Webhook endpoints of a team: create (the signing secret is returned this once), list, get, update, delete, and
// the delivery log. Writes run in one transaction with their audit row; the audit never sees the secret.
import type { Db, Prisma } from '../db/client.ts'
import type { WebhookDelivery, WebhookEndpoint } from '../generated/prisma/client.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Actor } from '../admin/actor.ts'
import { writeAudit } from '../admin/audit/service.ts'
import { bigintAfter, pageStart, toPage } from '../admin/pagination.ts'
import type { Page, PageRequest } from '../admin/page.ts'
import { invalid } from '../errors/problems.ts'
import { checkOutboundUrl, type OutboundPolicy } from '../net/outbound.ts'
import { generateWebhookSecret } from './signature.ts'
import type { DeliveryQuery, DeliveryView, WebhookCreate, WebhookPatch, WebhookView, WebhookWithSecret } from './schemas.ts'

type Tx = Prisma.TransactionClient
type EndpointRow = WebhookEndpoint & { team: { slug: string } }

const WITH_TEAM = { team: { select: { slug: true } } } as const
const iso = (date: Date | null) => date?.toISOString() ?? null

export function webhookView (row: EndpointRow): WebhookView {
  return {
    id: row.id,
    teamSlug: row.team.slug,
    url: row.url,
    events: row.events,
    description: row.description,
    disabled: row.disabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString()
  }
}

export function deliveryView (row: WebhookDelivery): DeliveryView {
  return {
    id: row.id.toString(),
    eventId: row.eventId,
    eventType: row.eventType,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.state === 'pending' ? row.nextAttemptAt.toISOString() : null,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    deliveredAt: iso(row.deliveredAt),
    createdAt: row.createdAt.toISOString(),
    payload: row.payload
  }
}

export class WebhookService {
  constructor (private readonly db: Db, private readonly policy: OutboundPolicy) {}

  async create (actor: Actor, slug: string, input: WebhookCreate): Promise<WebhookWithSecret> {
    this.checkUrl(input.url)
    const secret = generateWebhookSecret()
    return this.db.$transaction(async tx => {
      const row = await tx.webhookEndpoint.create({
        data: { teamId: await teamId(tx, slug), url: input.url, secret, events: input.events ?? [], description: input.description ?? '' },
        include: WITH_TEAM
      })
      const view = webhookView(row)
      await writeAudit(tx, actor, { action: 'webhook.create', targetType: 'webhook', targetId: row.id, before: null, after: view })
      return { ...view, secret }
    })
  }

  async list (slug: string): Promise<WebhookView[]> {
    const rows = await this.db.webhookEndpoint.findMany({
      where: { teamId: await teamId(this.db, slug) }, include: WITH_TEAM, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }]
    })
    return rows.map(webhookView)
  }

  async get (slug: string, id: string): Promise<WebhookView> {
    return webhookView(await findEndpoint(this.db, slug, id))
  }

  async update (actor: Actor, slug: string, id: string, patch: WebhookPatch): Promise<WebhookView> {
    if (patch.url !== undefined) this.checkUrl(patch.url)
    return this.db.$transaction(async tx => {
      const current = await findEndpoint(tx, slug, id, true)
      const row = await tx.webhookEndpoint.update({ where: { id }, data: patch, include: WITH_TEAM })
      const after = webhookView(row)
      await writeAudit(tx, actor, { action: 'webhook.update', targetType: 'webhook', targetId: id, before: webhookView(current), after })
      return after
    })
  }

  /** Deletes the endpoint and, with it, its delivery log; queued events for it are never sent. */
  async remove (actor: Actor, slug: string, id: string): Promise<WebhookView> {
    return this.db.$transaction(async tx => {
      const view = webhookView(await findEndpoint(tx, slug, id, true))
      await tx.webhookEndpoint.delete({ where: { id } })
      await writeAudit(tx, actor, { action: 'webhook.delete', targetType: 'webhook', targetId: id, before: view, after: null })
      return view
    })
  }

  /** The endpoint's deliveries, newest first. */
  async deliveries (slug: string, id: string, query: DeliveryQuery & PageRequest): Promise<Page<DeliveryView>> {
    await findEndpoint(this.db, slug, id)
    const start = pageStart(query)
    const before = bigintAfter(start.after)
    const rows = await this.db.webhookDelivery.findMany({
      where: { endpointId: id, state: query.state, id: before === undefined ? undefined : { lt: before } },
      orderBy: { id: 'desc' },
      skip: start.skip,
      take: query.limit + 1
    })
    return toPage(rows, query.limit, row => row.id.toString(), deliveryView)
  }

  private checkUrl (url: string): void {
    const checked = checkOutboundUrl(url, this.policy)
    if ('refusal' in checked) throw invalid([{ field: 'body.url', message: checked.refusal }])
  }
}

async function teamId (db: Tx | Db, slug: string): Promise<string> {
  const team = await db.team.findUnique({ where: { slug }, select: { id: true } })
  if (!team) throw new GatewayError('not_found', `Team ${slug}`)
  return team.id
}

/** The team's endpoint (another team's is as absent as a missing one), locked for the transaction when asked. */
async function findEndpoint (db: Tx | Db, slug: string, id: string, lock = false): Promise<EndpointRow> {
  const owner = await teamId(db, slug)
  if (lock) await db.$queryRaw`SELECT 1 FROM webhook_endpoints WHERE id = ${id}::uuid FOR UPDATE`
  const row = await db.webhookEndpoint.findFirst({ where: { id, teamId: owner }, include: WITH_TEAM })
  if (!row) throw new GatewayError('not_found', `Webhook ${id}`)
  return row
}
