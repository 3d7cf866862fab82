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
