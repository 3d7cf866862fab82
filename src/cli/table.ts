// Plain-text tables and key/value listings for humans; scripts use --json.

type Cell = string | number | boolean | null | undefined

const text = (cell: Cell) => cell === null || cell === undefined ? '-' : String(cell)

/** Columns padded to their widest cell, a header row, and a trailing newline. */
export function table (headers: string[], rows: Cell[][]): string {
  const cells = [headers, ...rows.map(row => row.map(text))]
  const widths = headers.map((_, i) => Math.max(...cells.map(row => (row[i] ?? '').length)))
  return cells
    .map(row => row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd())
    .join('\n') + '\n'
}

/** "label: value" lines, labels aligned; nested objects as compact JSON. */
export function listing (entries: Array<[string, unknown]>): string {
  const width = Math.max(...entries.map(([label]) => label.length))
  return entries.map(([label, value]) => {
    const shown = value !== null && typeof value === 'object' ? JSON.stringify(value) : text(value as Cell)
    return `${`${label}:`.padEnd(width + 1)} ${shown}`
  }).join('\n') + '\n'
}
