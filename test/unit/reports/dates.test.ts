import t from 'tap'
import { MAX_RANGE_DAYS, parseDay, parseRange } from '../../../src/reports/dates.ts'
import { parseGroupBy } from '../../../src/reports/group-by.ts'

const now = new Date('2026-03-15T22:30:00Z')
const days = (r: ReturnType<typeof parseRange>) => 'value' in r ? [r.value.from.toISOString().slice(0, 10), r.value.to.toISOString().slice(0, 10)] : r.problems

t.test('calendar days', async t => {
  t.same(parseDay('2026-02-28'), new Date('2026-02-28T00:00:00Z'))
  t.same(parseDay('2028-02-29'), new Date('2028-02-29T00:00:00Z'), 'a leap day')
  for (const bad of ['2026-02-29', '2026-13-01', '2026-00-10', '26-01-01', '2026-1-1', '2026-01-01T00:00:00Z', '']) {
    t.equal(parseDay(bad), null, bad)
  }
})

t.test('ranges: defaults, exclusive end, bounds', async t => {
  t.same(days(parseRange({}, now)), ['2026-03-01', '2026-03-16'], 'this month so far, today included')
  t.same(days(parseRange({ from: '2026-01-01' }, now)), ['2026-01-01', '2026-03-16'])
  t.same(days(parseRange({ from: '2026-03-10', to: '2026-03-11' }, now)), ['2026-03-10', '2026-03-11'], 'one day')
  t.same(days(parseRange({ from: '2026-03-10', to: '2026-03-10' }, now)), [{ field: 'querystring.to', message: 'must be after from (to is exclusive)' }])
  t.match(parseRange({ from: 'x', to: '2026-02-30' }, now), { problems: [{ field: 'querystring.from' }, { field: 'querystring.to' }] }, 'every bad field')
  t.match(days(parseRange({ from: '2000-01-01', to: '2026-01-01' }, now)), [{ field: 'querystring.to', message: new RegExp(String(MAX_RANGE_DAYS)) }])
})

t.test('group by: one or two distinct dimensions', async t => {
  t.same(parseGroupBy(undefined), { value: ['team'] })
  t.same(parseGroupBy('day,team'), { value: ['day', 'team'] }, 'order kept')
  t.same(parseGroupBy('model'), { value: ['model'] })
  t.match(parseGroupBy('team,colour'), { problems: [{ field: 'querystring.group_by', message: /unknown dimension "colour"/ }] })
  t.match(parseGroupBy('day,team,key'), { problems: [{ message: 'at most two dimensions' }] })
  t.match(parseGroupBy('key,key'), { problems: [{ message: 'a dimension may appear once' }] })
})
