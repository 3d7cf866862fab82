// A loader for the block-style YAML subset the seed OpenAPI file uses (mappings, "- " sequences, quoted and plain
// scalars, |/> block scalars, [] and {}), so contract tests read the seed itself rather than a hand copy.
// No YAML package is installed; this is deliberately not a general parser.

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml }

interface Line { indent: number, text: string }

function scalar (raw: string): Yaml {
  const text = raw.trim()
  if (text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replaceAll("''", "'")
  if (text.startsWith('"') && text.endsWith('"')) return JSON.parse(text) as string
  if (text === '[]') return []
  if (text === '{}') return {}
  if (text.startsWith('[') && text.endsWith(']')) return text.slice(1, -1).split(',').map(scalar)
  if (text === 'true' || text === 'false') return text === 'true'
  if (text === 'null' || text === '~') return null
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text)
  return text
}

function splitKey (text: string): [string, string] | null {
  const quoted = text.match(/^('(?:[^']|'')*'|"[^"]*")\s*:(?:\s+(.*))?$/)
  if (quoted) return [String(scalar(quoted[1] ?? '')), quoted[2] ?? '']
  const at = text.search(/:(\s|$)/)
  return at < 0 ? null : [text.slice(0, at), text.slice(at + 1).trim()]
}

export function parseYaml (source: string): Yaml {
  const lines: Line[] = source.split('\n')
    .filter(line => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map(line => ({ indent: line.length - line.trimStart().length, text: line.trim() }))
  let at = 0

  function blockScalar (parentIndent: number, style: string): string {
    const parts: string[] = []
    while (at < lines.length && (lines[at]?.indent ?? 0) > parentIndent) parts.push(lines[at++]?.text ?? '')
    return parts.join(style.startsWith('|') ? '\n' : ' ')
  }

  function value (rest: string, indent: number): Yaml {
    if (/^[|>][-+]?$/.test(rest)) return blockScalar(indent, rest)
    if (rest !== '') {
      let text = rest
      while (at < lines.length && (lines[at]?.indent ?? 0) > indent) text += ` ${lines[at++]?.text ?? ''}`
      return scalar(text)
    }
    const next = lines[at]
    if (!next) return null
    if (next.indent > indent || (next.indent === indent && next.text.startsWith('- '))) return block(next.indent)
    return null
  }

  function block (indent: number): Yaml {
    const first = lines[at]
    if (first?.text.startsWith('- ') || first?.text === '-') {
      const items: Yaml[] = []
      while (lines[at]?.indent === indent && lines[at]?.text.startsWith('-')) {
        const line = lines[at] as Line
        const content = line.text.slice(1).trim()
        if (splitKey(content) && !content.startsWith("'")) {
          lines[at] = { indent: indent + 2, text: content }
          items.push(block(indent + 2))
        } else {
          at++
          items.push(value(content, indent))
        }
      }
      return items
    }
    const map: Record<string, Yaml> = {}
    while (at < lines.length && lines[at]?.indent === indent && !lines[at]?.text.startsWith('- ')) {
      const pair = splitKey(lines[at]?.text ?? '')
      if (!pair) throw new Error(`cannot parse line ${at}: ${lines[at]?.text ?? ''}`)
      at++
      map[pair[0]] = value(pair[1], indent)
    }
    return map
  }

  return block(lines[0]?.indent ?? 0)
}
