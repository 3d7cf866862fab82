// The board's JSON has the shape Grafana's dashboard model (classic JSON, as file provisioning loads it) gives
// panels and targets, every query goes to the provisioned Prometheus by its uid, and the provisioning reads the folder
// compose.yaml mounts the board into. Which metrics the queries name: test/integration/deploy/board-metrics.test.ts.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { Type } from 'typebox'
import { Value } from 'typebox/value'
import { parse } from 'yaml'
import { readCompose } from '../../../scripts/compose-env.ts'
import { allPanels, BOARD_FILE, readBoard } from '../../helpers/grafana-board.ts'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const readYaml = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, unknown>

const GridPos = Type.Object({
  h: Type.Integer({ minimum: 1 }),
  w: Type.Integer({ minimum: 1, maximum: 24 }),
  x: Type.Integer({ minimum: 0, maximum: 23 }),
  y: Type.Integer({ minimum: 0 })
})
const Datasource = Type.Object({ type: Type.Literal('prometheus'), uid: Type.String({ minLength: 1 }) })
const Target = Type.Object({
  refId: Type.String({ minLength: 1 }), expr: Type.String({ minLength: 1 }), datasource: Datasource
})
const Row = Type.Object({
  id: Type.Integer({ minimum: 1 }), type: Type.Literal('row'), title: Type.String({ minLength: 1 }), gridPos: GridPos, collapsed: Type.Boolean()
})
// Grafana's built-in panel plugins the board may use
const QueryPanel = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  type: Type.Union(['timeseries', 'stat', 'bargauge', 'gauge', 'table'].map(type => Type.Literal(type))),
  title: Type.String({ minLength: 1 }),
  gridPos: GridPos,
  datasource: Datasource,
  targets: Type.Array(Target, { minItems: 1 }),
  fieldConfig: Type.Object({ defaults: Type.Object({}), overrides: Type.Array(Type.Unknown()) })
})
const Variable = Type.Object({
  name: Type.String({ pattern: '^\\w+$' }), type: Type.Literal('query'), datasource: Datasource, query: Type.Object({ query: Type.String({ minLength: 1 }) })
})
const Board = Type.Object({
  uid: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,40}$' }),
  title: Type.String({ minLength: 1 }),
  // a current classic-model version (the board says 41); Grafana migrates an older one forward when it loads it
  schemaVersion: Type.Integer({ minimum: 39 }),
  panels: Type.Array(Type.Union([Row, QueryPanel]), { minItems: 1 }),
  templating: Type.Object({ list: Type.Array(Variable) }),
  time: Type.Object({ from: Type.String(), to: Type.String() })
})

const board = readBoard()

t.test('the board has the shape of a Grafana dashboard', async t => {
  const errors = [...Value.Errors(Board, board)].map(e => `${e.instancePath}: ${e.message}`)
  t.same(errors, [], 'panels with a type, a gridPos and targets with an expression')
  const panels = allPanels(board)
  const ids = panels.map(p => p.id)
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  for (const panel of panels) {
    const refIds = (panel.targets ?? []).map(target => target.refId)
    t.equal(new Set(refIds).size, refIds.length, `panel "${panel.title}": unique refIds`)
  }
})

t.test('no two panels overlap on the 24-column grid', async t => {
  const cells = new Map<string, string>()
  for (const panel of allPanels(board)) {
    const { x, y, w, h } = panel.gridPos ?? { x: 0, y: 0, w: 0, h: 0 }
    t.ok(x + w <= 24, `panel "${panel.title}" fits the grid's width`)
    for (let row = y; row < y + h; row++) {
      for (let column = x; column < x + w; column++) {
        const taken = cells.get(`${row}:${column}`)
        if (taken) t.fail(`panel "${panel.title}" overlaps "${taken}" at row ${row}, column ${column}`)
        cells.set(`${row}:${column}`, String(panel.title))
      }
    }
  }
})

t.test('every query goes to the provisioned Prometheus', async t => {
  const provisioned = readYaml('deploy/grafana/provisioning/datasources/prometheus.yaml') as { datasources: Array<{ uid: string, type: string, url: string }> }
  const [datasource] = provisioned.datasources
  t.match(datasource, { type: 'prometheus', url: 'http://prometheus:9090' }, 'the compose service')
  const uids = new Set([
    ...allPanels(board).flatMap(p => [p.datasource?.uid, ...(p.targets ?? []).map(target => target.datasource?.uid)]),
    ...(board.templating?.list ?? []).map(v => v.datasource?.uid)
  ].filter(uid => uid !== undefined))
  t.same([...uids], [datasource?.uid], 'panels, targets and variables name its uid')
})

t.test('the provisioning loads the board from where compose mounts it', async t => {
  const providers = readYaml('deploy/grafana/provisioning/dashboards/tensorpix-gateway.yaml') as { providers: Array<{ type: string, options: { path: string } }> }
  const [provider] = providers.providers
  t.equal(provider?.type, 'file')
  const volumes = readCompose().services.grafana?.volumes ?? []
  const mount = volumes.find(volume => volume.startsWith('./deploy/grafana/dashboards:'))
  t.equal(mount?.split(':')[1], provider?.options.path, 'the provider reads the mounted folder')
  t.ok(volumes.includes('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro'), 'and Grafana reads the provisioning')
  t.equal(path.relative(ROOT, BOARD_FILE), 'deploy/grafana/dashboards/tensorpix-gateway.json')
})

t.test('the shape check can fail', async t => {
  const broken = structuredClone(board)
  const panel = broken.panels?.find(p => p.type === 'timeseries')
  if (panel) delete panel.gridPos
  t.ok([...Value.Errors(Board, broken)].length > 0, 'a panel without a gridPos is refused')
})
