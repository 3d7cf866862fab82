// What a spend report groups by: one dimension or two (e.g. `day,team` for a stacked daily chart), in the order
// asked, which is also the order of the rows and of the CSV columns.
import type { Parsed } from './dates.ts'

export const DIMENSIONS = ['team', 'key', 'model', 'day', 'month'] as const
export type Dimension = typeof DIMENSIONS[number]

const isDimension = (name: string): name is Dimension => (DIMENSIONS as readonly string[]).includes(name)

export function parseGroupBy (text: string | undefined): Parsed<Dimension[]> {
  const names = (text ?? 'team').split(',').map(name => name.trim())
  const field = 'querystring.group_by'
  const unknown = names.filter(name => !isDimension(name))
  if (unknown.length > 0) {
    const message = `unknown dimension ${unknown.map(n => JSON.stringify(n)).join(', ')}; one of ${DIMENSIONS.join(', ')}`
    return { problems: [{ field, message }] }
  }
  if (names.length > 2) return { problems: [{ field, message: 'at most two dimensions' }] }
  if (new Set(names).size !== names.length) return { problems: [{ field, message: 'a dimension may appear once' }] }
  return { value: names as Dimension[] }
}

/** The columns of a report row (and of its CSV): the grouped dimensions' fields, then the money. */
export function spendColumns (dims: readonly Dimension[]): string[] {
  const fields: Record<Dimension, string[]> = {
    team: ['team', 'teamName'],
    key: ['keyId', 'keyName', 'keyPrefix'],
    model: ['modelId', 'modelName'],
    day: ['day'],
    month: ['month']
  }
  return [...dims.flatMap(d => fields[d]), 'charged', 'refunded', 'net', 'jobsCreated', 'jobsFinished', 'jobsFailed', 'jobsCancelled']
}
