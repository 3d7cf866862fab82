// tpx-gateway teams list|create|get|update|disable|enable
import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError } from 'commander'
import type { TeamView } from '../../admin/teams/schemas.ts'
import type { Page } from '../../admin/page.ts'
import { adminAction, withConnection, type Output } from '../admin-client.ts'
import { listing, table } from '../table.ts'

type Options = Record<string, unknown>

export function intOrNone (value: string): number | null {
  if (value === 'none') return null
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number or "none"')
  return Number(value)
}

export function count (value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number')
  return Number(value)
}

function intList (value: string): number[] {
  if (!/^\d+(,\d+)*$/.test(value)) throw new InvalidArgumentError('expected comma-separated whole numbers, e.g. 50,80,100')
  return value.split(',').map(Number)
}

/** A JSON document given inline or as @path/to/file.json. */
function jsonDocument (value: string): unknown {
  try {
    return JSON.parse(value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value)
  } catch (err) {
    throw new InvalidArgumentError(`expected JSON or @file.json (${(err as Error).message})`)
  }
}

function teamFields (command: Command): Command {
  return command
    .option('--credits <credits>', 'budget credits per period (decimal, up to 4 places)')
    .option('--period <period>', 'day, week or month')
    .option('--mode <mode>', 'hard or soft')
    .option('--overdraft <credits>', 'credits a hard budget may go below zero')
    .option('--alert-thresholds <list>', 'percentages, e.g. 50,80,100', intList)
    .option('--max-job-cost <credits|none>', 'largest hold of one job whose cost cannot be derived')
    .option('--rpm <n|none>', 'requests per minute for the team', intOrNone)
    .option('--key-rpm <n|none>', 'requests per minute for each key', intOrNone)
    .option('--max-concurrent <n|none>', 'active jobs at once', intOrNone)
    .option('--max-jobs-per-day <n|none>', 'jobs per UTC day', intOrNone)
    .option('--max-upload-bytes <n|none>', 'largest upload in bytes (none: the gateway default)', intOrNone)
    .option('--option-policy <json|@file>', 'the whole option policy document', jsonDocument)
    .option('--url-policy <json|@file>', 'the whole URL policy document', jsonDocument)
    .option('--retention-days <n|none>', 'days before enhanced videos are deleted upstream', intOrNone)
}

const defined = (entries: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined))

/** The request body for create/update from the options given; absent options are left out. */
export function teamBody (o: Options): Record<string, unknown> {
  const budget = defined({
    credits: o.credits,
    period: o.period,
    mode: o.mode,
    overdraft: o.overdraft,
    alertThresholds: o.alertThresholds,
    maxJobCost: o.maxJobCost === 'none' ? null : o.maxJobCost
  })
  const limits = defined({
    requestsPerMinute: o.rpm,
    keyRequestsPerMinute: o.keyRpm,
    maxConcurrentJobs: o.maxConcurrent,
    maxJobsPerDay: o.maxJobsPerDay,
    maxUploadBytes: o.maxUploadBytes
  })
  return defined({
    name: o.name,
    budget: Object.keys(budget).length > 0 ? budget : undefined,
    limits: Object.keys(limits).length > 0 ? limits : undefined,
    optionPolicy: o.optionPolicy,
    urlPolicy: o.urlPolicy,
    retentionDays: o.retentionDays
  })
}

function showTeam (team: TeamView): Output {
  return {
    json: team,
    human: listing([
      ['slug', team.slug], ['name', team.name], ['id', team.id], ['disabled', team.disabled],
      ['budget', `${team.budget.credits} per ${team.budget.period} (${team.budget.mode})`],
      ['overdraft', team.budget.overdraft], ['alert thresholds', team.budget.alertThresholds.join(', ')],
      ['max job cost', team.budget.maxJobCost], ['limits', team.limits], ['option policy', team.optionPolicy],
      ['url policy', team.urlPolicy], ['retention days', team.retentionDays], ['updated', team.updatedAt]
    ])
  }
}

const path = (slug: string) => `/teams/${encodeURIComponent(slug)}`

export function teamsCommand (): Command {
  const teams = new Command('teams').description('manage teams (admin API)')

  teams.addCommand(withConnection(new Command('list'))
    .description('list teams')
    .option('--name <text>', 'name contains (any case)')
    .option('--disabled', 'only disabled teams')
    .option('--enabled', 'only enabled teams')
    .option('--limit <n>', 'page size', count)
    .option('--cursor <cursor>', 'next page, as printed by the previous one')
    .action(adminAction(async (client, o) => {
      const page = await client.get<Page<TeamView>>('/teams', {
        name: o.name as string | undefined,
        disabled: o.disabled ? true : o.enabled ? false : undefined,
        limit: o.limit as number | undefined,
        cursor: o.cursor as string | undefined
      })
      return {
        json: page,
        human: table(['SLUG', 'NAME', 'STATUS', 'BUDGET', 'PERIOD', 'MODE'], page.items.map(t => [
          t.slug, t.name, t.disabled ? 'disabled' : 'enabled', t.budget.credits, t.budget.period, t.budget.mode
        ])),
        ...(page.nextCursor ? { note: `more: --cursor ${page.nextCursor}` } : {})
      }
    })))

  teams.addCommand(teamFields(withConnection(new Command('create')))
    .description('create a team')
    .argument('<slug>', 'lowercase letters, digits and dashes')
    .requiredOption('--name <name>', 'display name')
    .action(adminAction(async (client, o, slug: string) => {
      const body = teamBody(o)
      const budget = { period: 'month', mode: 'hard', ...(body.budget as object | undefined) }
      return showTeam(await client.post<TeamView>('/teams', { slug, ...body, budget }))
    })))

  teams.addCommand(withConnection(new Command('get'))
    .description('show a team')
    .argument('<slug>')
    .action(adminAction(async (client, _o, slug: string) => showTeam(await client.get<TeamView>(path(slug))))))

  teams.addCommand(teamFields(withConnection(new Command('update')))
    .description('change a team; budget and limit fields merge, policy documents are replaced whole')
    .argument('<slug>')
    .option('--name <name>', 'display name')
    .action(adminAction(async (client, o, slug: string) =>
      showTeam(await client.patch<TeamView>(path(slug), teamBody(o))))))

  for (const action of ['disable', 'enable'] as const) {
    teams.addCommand(withConnection(new Command(action))
      .description(action === 'disable' ? 'disable a team: its keys are refused' : 'enable a disabled team')
      .argument('<slug>')
      .action(adminAction(async (client, _o, slug: string) => showTeam(await client.post<TeamView>(`${path(slug)}/${action}`)))))
  }
  return teams
}
