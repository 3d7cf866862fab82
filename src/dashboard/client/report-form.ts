// The reports page's form as its address holds it, and the spend API query it asks for. Pure.
import { addDays, firstOfMonth, utcToday } from './format.ts'
import { DIMENSIONS, type Dimension } from './types.ts'

export interface ReportForm { from: string, through: string, first: Dimension, second: Dimension | '', team: string }

/** The form as the address holds it; defaults are this month so far (UTC). */
export function reportForm (query: URLSearchParams, now: Date): ReportForm {
  const isDay = (v: string | null): v is string => v !== null && /^\d{4}-\d{2}-\d{2}$/.test(v)
  const isDimension = (v: string | null): v is Dimension => DIMENSIONS.includes(v as Dimension)
  const from = query.get('from')
  const through = query.get('through')
  const group = query.get('group')
  const first = isDimension(group) ? group : 'team'
  const second = query.get('then')
  return {
    from: isDay(from) ? from : firstOfMonth(now),
    through: isDay(through) ? through : utcToday(now),
    first,
    second: isDimension(second) && second !== first ? second : '',
    team: query.get('team') ?? ''
  }
}

/** The report API's query for a form: `to` is exclusive, the form's "through" day is included. */
export function reportQuery (form: ReportForm): Record<string, string | undefined> {
  return {
    from: form.from,
    to: addDays(form.through, 1),
    group_by: form.second ? `${form.first},${form.second}` : form.first,
    team: form.team || undefined
  }
}
