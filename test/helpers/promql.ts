// PromQL read with the Prometheus project's own grammar (@prometheus-io/lezer-promql, the parser of Prometheus's UI):
// which metrics an expression selects, the labels each selector matches on, the labels it groups or matches by, and
// where it does not parse. For the checks of the Grafana board (deploy/grafana/dashboards/).
import { parser } from '@prometheus-io/lezer-promql'

type Node = ReturnType<typeof parser.parse>['topNode']

export interface Selector { metric: string, labels: string[] }

export interface PromqlReferences {
  selectors: Selector[]
  /** labels named in by (…), without (…), on (…) and ignoring (…) */
  grouping: string[]
  /** offsets in the expression where the grammar found an error */
  errors: number[]
}

// Grafana's variables, given values of the right kind so that the expression parses as Prometheus will see it
const BUILT_IN_INTERVALS = /\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g
const VARIABLE = /\$\{\w+(:\w+)?\}|\$\w+|\[\[\w+\]\]/g

/** The expression as Grafana sends it to Prometheus, with every variable replaced by a value. */
export function withGrafanaVariables (expr: string): string {
  return expr.replace(BUILT_IN_INTERVALS, '5m').replace(VARIABLE, 'value')
}

function descendants (node: Node, name: string): Node[] {
  const found: Node[] = []
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.name === name) found.push(child)
    found.push(...descendants(child, name))
  }
  return found
}

export function promqlReferences (expr: string): PromqlReferences {
  const text = (node: Node) => expr.slice(node.from, node.to)
  const references: PromqlReferences = { selectors: [], grouping: [], errors: [] }
  const visit = (node: Node) => {
    if (node.type.isError) references.errors.push(node.from)
    if (node.name === 'VectorSelector') {
      const identifier = node.getChild('Identifier')
      references.selectors.push({
        metric: identifier ? text(identifier) : '',
        labels: descendants(node, 'LabelName').map(text)
      })
    }
    if (node.name === 'GroupingLabels') references.grouping.push(...descendants(node, 'LabelName').map(text))
    for (let child = node.firstChild; child; child = child.nextSibling) visit(child)
  }
  visit(parser.parse(expr).topNode)
  return references
}
