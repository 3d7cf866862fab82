import t from 'tap'
import {
  addDays, creditUnits, dayText, decimalUnits, daysBetween, firstOfMonth, formatCredits, groupCredits,
  isoToLocalInput, localInputToIso, localText, monthText, utcText
} from '../../../src/dashboard/client/format.ts'

t.test('credits keep all their decimals, get grouped digits and their unit', async t => {
  t.equal(formatCredits('1234567.5000'), '1,234,567.5000 credits')
  t.equal(formatCredits('0.0001'), '0.0001 credits')
  t.equal(formatCredits('-1000.1000'), '-1,000.1000 credits')
  t.equal(groupCredits('999.9999'), '999.9999')
  t.equal(groupCredits('12345678901234.1234'), '12,345,678,901,234.1234', 'beyond float precision, unchanged digits')
  t.equal(groupCredits('not a number'), 'not a number')
})

t.test('times: the viewer\'s zone for reading, UTC for the title', async t => {
  const at = '2026-12-01T03:05:09.120Z'
  t.equal(utcText(at), '2026-12-01 03:05:09 UTC')
  t.equal(localText(at, 'America/New_York'), '30 Nov 2026, 22:05:09')
  t.equal(localText(at, 'Asia/Tokyo'), '1 Dec 2026, 12:05:09')
  t.equal(localInputToIso(isoToLocalInput('2026-12-01T03:05:00.000Z')), '2026-12-01T03:05:00.000Z', 'datetime-local round trip')
  t.equal(localInputToIso(''), undefined)
  t.equal(localInputToIso('garbage'), undefined)
})

t.test('UTC days', async t => {
  t.equal(dayText('2026-12-01'), '1 Dec 2026')
  t.equal(monthText('2026-02'), 'Feb 2026')
  t.equal(addDays('2026-12-31', 1), '2027-01-01')
  t.equal(addDays('2024-03-01', -1), '2024-02-29')
  t.same(daysBetween('2026-11-29', '2026-12-02'), ['2026-11-29', '2026-11-30', '2026-12-01'])
  t.same(daysBetween('2026-12-02', '2026-12-02'), [])
  t.equal(firstOfMonth(new Date('2026-12-31T23:59:59Z')), '2026-12-01')
})

t.test('decimal strings become exact integer units, never binary fractions', async t => {
  t.equal(creditUnits('12.3400'), 123400)
  t.equal(creditUnits('0.0001') + creditUnits('0.0002'), 3, '0.1 + 0.2 trouble cannot happen')
  t.equal(creditUnits('-2.5'), -25000)
  t.equal(creditUnits('7'), 70000)
  t.equal(decimalUnits('80.25', 2), 8025)
})
