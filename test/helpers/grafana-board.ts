// The checked-in Grafana board (deploy/grafana/dashboards/tensorpix-gateway.json) and every query it sends to
// Prometheus: each panel target's expression, and each template variable's label_values(…).
import { readFileSync } from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')
export const BOARD_FILE = path.join(ROOT, 'deploy/grafana/dashboards/tensorpix-gateway.json')

export interface BoardTarget { refId?: string, expr?: string, datasource?: { type?: string, uid?: string } }
export interface BoardPanel {
  id?: number
  type?: string
  title?: string
  gridPos?: { h: number, w: number, x: number, y: number }
  datasource?: { type?: string, uid?: string }
  targets?: BoardTarget[]
  panels?: BoardPanel[]
}
export interface BoardVariable {
  name?: string
  type?: string
  datasource?: { uid?: string }
  query?: { query?: string } | string
}
export interface Board {
  uid?: string
  title?: string
  schemaVersion?: number
  panels?: BoardPanel[]
  templating?: { list?: BoardVariable[] }
}

export function readBoard (file = BOARD_FILE): Board {
  return JSON.parse(readFileSync(file, 'utf8')) as Board
}

/** Every panel, those inside collapsed rows included. */
export function allPanels (board: Board): BoardPanel[] {
  return (board.panels ?? []).flatMap(panel => [panel, ...(panel.panels ?? [])])
}

export interface BoardQuery {
  /** where it is, for messages: the panel's title and target, or the variable */
  where: string
  /** a PromQL expression */
  expr: string
  /** for label_values(selector, label): the label whose values are asked for */
  label?: string
}

const LABEL_VALUES = /^label_values\((.*),\s*(\w+)\)$/

export function boardQueries (board: Board): BoardQuery[] {
  const targets = allPanels(board).flatMap(panel => (panel.targets ?? [])
    .map(target => ({ where: `panel "${panel.title}" target ${target.refId}`, expr: target.expr ?? '' })))
  const variables = (board.templating?.list ?? []).filter(v => v.type === 'query').map(variable => {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query ?? ''
    const match = LABEL_VALUES.exec(query)
    return { where: `variable $${variable.name}`, expr: match?.[1] ?? query, ...(match ? { label: match[2] } : {}) }
  })
  return [...targets, ...variables]
}
