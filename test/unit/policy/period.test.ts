import t, { type Test } from 'tap'
import { periodEnd, periodStart, utcDay, type Period } from '../../../src/policy/period.ts'

const DAY = 86_400_000

// [period, instant, expected start, expected end]; Date.UTC months are 0-based (0 = January)
const cases: Array<[Period, string, number, number]> = [
  // days
  ['day', '2026-01-31T23:59:59.999Z', Date.UTC(2026, 0, 31), Date.UTC(2026, 1, 1)],
  ['day', '2026-02-01T00:00:00.000Z', Date.UTC(2026, 1, 1), Date.UTC(2026, 1, 2)],
  ['day', '2026-04-30T12:00:00.000Z', Date.UTC(2026, 3, 30), Date.UTC(2026, 4, 1)],
  ['day', '2026-02-28T23:00:00.000Z', Date.UTC(2026, 1, 28), Date.UTC(2026, 2, 1)],
  ['day', '2028-02-28T23:00:00.000Z', Date.UTC(2028, 1, 28), Date.UTC(2028, 1, 29)],
  ['day', '2028-02-29T06:00:00.000Z', Date.UTC(2028, 1, 29), Date.UTC(2028, 2, 1)],
  ['day', '2026-12-31T23:59:59.999Z', Date.UTC(2026, 11, 31), Date.UTC(2027, 0, 1)],
  ['day', '2026-03-29T01:30:00.000Z', Date.UTC(2026, 2, 29), Date.UTC(2026, 2, 30)], // EU DST switch: still 24 h
  // ISO weeks start on Monday
  ['week', '2026-01-01T08:00:00.000Z', Date.UTC(2025, 11, 29), Date.UTC(2026, 0, 5)], // Thursday, week crosses the year
  ['week', '2026-01-04T23:59:59.999Z', Date.UTC(2025, 11, 29), Date.UTC(2026, 0, 5)], // Sunday ends the week
  ['week', '2026-01-05T00:00:00.000Z', Date.UTC(2026, 0, 5), Date.UTC(2026, 0, 12)], // Monday starts the next
  ['week', '2026-03-01T12:00:00.000Z', Date.UTC(2026, 1, 23), Date.UTC(2026, 2, 2)], // Sunday, week crosses Feb → Mar
  ['week', '2026-03-02T00:00:00.000Z', Date.UTC(2026, 2, 2), Date.UTC(2026, 2, 9)], // Monday
  ['week', '2028-02-29T10:00:00.000Z', Date.UTC(2028, 1, 28), Date.UTC(2028, 2, 6)], // Tuesday on the leap day
  ['week', '2026-12-31T23:59:59.999Z', Date.UTC(2026, 11, 28), Date.UTC(2027, 0, 4)], // Thursday, crosses the year
  // calendar months
  ['month', '2026-01-31T23:59:59.999Z', Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1)],
  ['month', '2026-02-01T00:00:00.000Z', Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1)],
  ['month', '2026-02-28T23:59:59.999Z', Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1)], // non-leap February
  ['month', '2028-02-29T23:59:59.999Z', Date.UTC(2028, 1, 1), Date.UTC(2028, 2, 1)], // leap February
  ['month', '2100-02-28T12:00:00.000Z', Date.UTC(2100, 1, 1), Date.UTC(2100, 2, 1)], // 2100 is not a leap year
  ['month', '2026-04-30T23:59:59.999Z', Date.UTC(2026, 3, 1), Date.UTC(2026, 4, 1)], // 30-day month
  ['month', '2026-05-31T12:00:00.000Z', Date.UTC(2026, 4, 1), Date.UTC(2026, 5, 1)], // 31-day month
  ['month', '2026-12-31T23:59:59.999Z', Date.UTC(2026, 11, 1), Date.UTC(2027, 0, 1)], // year end
  ['month', '2027-01-01T00:00:00.000Z', Date.UTC(2027, 0, 1), Date.UTC(2027, 1, 1)]
]

function checkAll (t: Test) {
  for (const [period, iso, start, end] of cases) {
    const at = new Date(iso)
    t.equal(periodStart(period, at).getTime(), start, `${period} start of ${iso}`)
    t.equal(periodEnd(period, at).getTime(), end, `${period} end of ${iso}`)
  }
}

t.test('start and end of day, week and month periods', async t => {
  checkAll(t)
})

t.test('the last millisecond belongs to the period, the next one starts the next period', async t => {
  for (const [period, iso, start, end] of cases) {
    const last = new Date(end - 1)
    const next = new Date(end)
    t.equal(periodStart(period, last).getTime(), start, `${period} of ${iso}: last ms`)
    t.equal(periodStart(period, next).getTime(), end, `${period} of ${iso}: next period starts at the end`)
    t.ok(start <= Date.parse(iso) && Date.parse(iso) < end, `${period} of ${iso} contains the instant`)
  }
})

t.test('days last 24 h and weeks 7 days, starting on a Monday', async t => {
  for (const [period, iso, start, end] of cases) {
    if (period === 'day') t.equal(end - start, DAY, `day of ${iso}`)
    if (period === 'week') {
      t.equal(end - start, 7 * DAY, `week of ${iso}`)
      t.equal(new Date(start).getUTCDay(), 1, `week of ${iso} starts on Monday`)
    }
  }
})

t.test('Sunday is the last day of the week, Monday the first', async t => {
  const sunday = new Date('2026-11-29T23:59:59.999Z')
  const monday = new Date('2026-11-30T00:00:00.000Z')
  t.equal(sunday.getUTCDay(), 0)
  t.equal(monday.getUTCDay(), 1)
  t.equal(periodStart('week', sunday).getTime(), Date.UTC(2026, 10, 23))
  t.equal(periodStart('week', monday).getTime(), Date.UTC(2026, 10, 30))
  t.equal(periodEnd('week', sunday).getTime(), monday.getTime())
})

t.test('utcDay is the UTC midnight of the instant', async t => {
  t.equal(utcDay(new Date('2026-03-29T01:30:00.000Z')).getTime(), Date.UTC(2026, 2, 29))
  t.equal(utcDay(new Date('2026-12-31T23:59:59.999Z')).getTime(), Date.UTC(2026, 11, 31))
  t.equal(utcDay(new Date('2028-02-29T00:00:00.000Z')).getTime(), Date.UTC(2028, 1, 29))
})

t.test('the input date is not modified', async t => {
  const at = new Date('2026-06-17T15:45:00.000Z')
  periodStart('week', at)
  periodEnd('month', at)
  utcDay(at)
  t.equal(at.toISOString(), '2026-06-17T15:45:00.000Z')
})

t.test('results do not depend on the process time zone', async t => {
  const saved = process.env.TZ
  t.teardown(() => {
    if (saved === undefined) delete process.env.TZ
    else process.env.TZ = saved
  })
  for (const zone of ['Pacific/Kiritimati', 'America/Adak', 'Asia/Kolkata', 'UTC']) {
    process.env.TZ = zone
    await t.test(zone, async t => {
      if (zone === 'Pacific/Kiritimati') {
        // proves the zone is in effect: local midnight of 1 January is 14:00 the day before in UTC
        t.equal(new Date(2026, 0, 1).getTime(), Date.UTC(2025, 11, 31, 10))
      }
      checkAll(t)
    })
  }
})
