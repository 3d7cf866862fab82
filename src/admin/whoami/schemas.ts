import { Type, type Static } from 'typebox'

export const WhoamiSchema = Type.Object({
  keyId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  canManage: Type.Boolean({ description: 'true for admin keys: teams, keys and policies may be changed' })
})
export type Whoami = Static<typeof WhoamiSchema>
