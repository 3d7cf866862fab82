// The audit log: one row per admin write, inserted in the transaction of the change (so a failed write leaves
// none), never updated or deleted. Before/after are the API views of the target, which hold no secret; the
// replacer below drops secret-bearing fields anyway, in case a future view grows one.
import type { Db, Prisma } from '../../db/client.ts'
import type { AuditEvent } from '../../generated/prisma/client.ts'
import type { Actor } from '../actor.ts'
import type { AuditEventView, AuditQuery } from './schemas.ts'
import { bigintAfter, pageStart, toPage } from '../pagination.ts'
import type { Page, PageRequest } from '../page.ts'

const SECRET_FIELDS = new Set(['key', 'secret', 'secretHash', 'previousSecretHash'])

export interface AuditChange {
  action: string
  targetType: 'team' | 'key' | 'webhook' | 'account'
  targetId: string
  before: unknown
  after: unknown
}

/** Plain JSON without secrets, or undefined (stored as SQL NULL) for an absent side. */
export function auditJson (value: unknown): Prisma.InputJsonValue | undefined {
  if (value === null || value === undefined) return undefined
  return JSON.parse(JSON.stringify(value, (name, v: unknown) => SECRET_FIELDS.has(name) ? undefined : v))
}

export async function writeAudit (tx: Prisma.TransactionClient, actor: Actor, change: AuditChange): Promise<void> {
  await tx.auditEvent.create({
    data: {
      actorKeyId: actor.keyId,
      actorName: actor.name,
      action: change.action,
      targetType: change.targetType,
      targetId: change.targetId,
      before: auditJson(change.before),
      after: auditJson(change.after),
      requestId: actor.requestId
    }
  })
}

export function auditView (row: AuditEvent): AuditEventView {
  return {
    id: row.id.toString(),
    actorKeyId: row.actorKeyId,
    actorName: row.actorName,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    before: row.before ?? null,
    after: row.after ?? null,
    requestId: row.requestId,
    createdAt: row.createdAt.toISOString()
  }
}

/** Newest first; the id orders rows (createdAt is the transaction's start and may tie or interleave). */
export async function listAudit (db: Db, query: AuditQuery & PageRequest): Promise<Page<AuditEventView>> {
  const start = pageStart(query)
  const before = bigintAfter(start.after)
  const rows = await db.auditEvent.findMany({
    where: {
      actorKeyId: query.actorKeyId,
      targetType: query.targetType,
      targetId: query.targetId,
      action: query.action,
      createdAt: { gte: query.from ? new Date(query.from) : undefined, lt: query.to ? new Date(query.to) : undefined },
      id: before === undefined ? undefined : { lt: before }
    },
    orderBy: { id: 'desc' },
    skip: start.skip,
    take: query.limit + 1
  })
  return toPage(rows, query.limit, row => row.id.toString(), auditView)
}
