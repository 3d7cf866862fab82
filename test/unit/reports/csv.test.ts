import t from 'tap'
import { csvField, csvLine, csvLines } from '../../../src/reports/csv.ts'

t.test('RFC 4180 fields and lines', async t => {
  t.equal(csvField('plain'), 'plain')
  t.equal(csvField('a,b'), '"a,b"')
  t.equal(csvField('say "hi"'), '"say ""hi"""')
  t.equal(csvField('two\nlines'), '"two\nlines"')
  t.equal(csvField('cr\r'), '"cr\r"')
  t.equal(csvField(12), '12')
  t.equal(csvField(undefined), '')
  t.equal(csvField(null), '')
  t.equal(csvField(''), '')
  t.equal(csvLine(['a', 'b,c', 3]), 'a,"b,c",3\r\n', 'CRLF line end')
})

t.test('a header line, then the records in column order, batch by batch', async t => {
  async function * batches () {
    yield [{ b: 1, a: 'x' }]
    yield [{ a: 'y', b: 2 }, { a: 'z' }]
  }
  const chunks: string[] = []
  for await (const chunk of csvLines(['a', 'b'], batches())) chunks.push(chunk)
  t.same(chunks, ['a,b\r\n', 'x,1\r\n', 'y,2\r\nz,\r\n'])
})

t.test('a cell a spreadsheet would run as a formula is made text with a leading quote (OWASP CSV injection)', async t => {
  const cases: Array<[string | number, string, string]> = [
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"', 'and still quoted as RFC 4180 asks'],
    ['+1+cmd|calc', "'+1+cmd|calc", 'plus'],
    ['-2+3', "'-2+3", 'minus'],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)", 'at'],
    ['\t=1', "'\t=1", 'tab'],
    ['\r=1', '"\'\r=1"', 'a CR, which still forces quotes'],
    ['=a,b', '"\'=a,b"', 'a comma after the prefix'],
    ['a=b', 'a=b', 'only the first character counts'],
    ["'=1", "'=1", 'a leading quote already makes it text'],
    ['-12.5000', '-12.5000', 'a negative amount stays a number'],
    ['+3', '+3', 'a signed integer too'],
    [-7, '-7', 'and a number value'],
    ['-', "'-", 'a lone sign is no number'],
    ['-1e5', "'-1e5", 'nor is an exponent (the gateway writes none)']
  ]
  for (const [value, expected, why] of cases) t.equal(csvField(value), expected, `${JSON.stringify(value)}: ${why}`)
})
