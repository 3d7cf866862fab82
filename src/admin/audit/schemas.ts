import { Type, type Static } from 'typebox'

export const AuditEventSchema = Type.Object({
  id: Type.String({ description: 'increasing; newest first in lists' }),
  actorKeyId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  actorName: Type.String({ description: 'key name and prefix of the actor' }),
  action: Type.String({ examples: ['team.update'] }),
  targetType: Type.String({ examples: ['team', 'key'] }),
  targetId: Type.String(),
  before: Type.Unknown({ description: 'the target before the change (null on create)' }),
  after: Type.Unknown({ description: 'the target after the change' }),
  requestId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' })
})
export type AuditEventView = Static<typeof AuditEventSchema>

export const AuditQuerySchema = Type.Object({
  actorKeyId: Type.Optional(Type.String({ format: 'uuid', description: 'only writes by this key' })),
  targetType: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'inclusive' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive' }))
})
export type AuditQuery = Static<typeof AuditQuerySchema>
