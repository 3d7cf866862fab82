// RFC 4180 CSV: CRLF line ends; a field holding a comma, quote, CR or LF is quoted, its quotes doubled. Every CSV
// the gateway writes goes through csvField, so names are neutralised against formula injection in all of them.
export type CsvValue = string | number | null | undefined

// OWASP "CSV Injection": a cell starting with one of these is run as a formula by spreadsheets; a leading ' makes
// it text. A plain number (a negative net, say) is no formula and is left as it is, so that it still sums.
const FORMULA_START = /^[=+\-@\t\r]/
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/

export function csvField (value: CsvValue): string {
  const raw = value === null || value === undefined ? '' : String(value)
  const text = FORMULA_START.test(raw) && !PLAIN_NUMBER.test(raw) ? `'${raw}` : raw
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function csvLine (values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`
}

/** A header line, then one line per record (the columns in header order), as the records arrive. */
export async function * csvLines<T extends Record<string, unknown>> (
  columns: readonly string[],
  records: AsyncIterable<readonly T[]>
): AsyncGenerator<string> {
  yield csvLine(columns)
  for await (const batch of records) {
    // a batch is one line group: one write per batch keeps a large export from making a write per row
    yield batch.map(record => csvLine(columns.map(column => record[column] as CsvValue))).join('')
  }
}
