// RFC 4180 CSV: CRLF line ends; a field holding a comma, quote, CR or LF is quoted, its quotes doubled.
export type CsvValue = string | number | null | undefined

export function csvField (value: CsvValue): string {
  const text = value === null || value === undefined ? '' : String(value)
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
