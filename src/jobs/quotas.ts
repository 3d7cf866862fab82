// Concurrency and daily quotas, counted inside the hold transaction under the team row's lock, so that concurrent
// creates for one team (on any replica, in any budget period) are counted one after another and cannot slip past
// together. Checked before the hold: the team's usage row, which every money transaction of the team waits for, is
// locked after them, by the hold's one statement (src/ledger/money.ts).
import { Prisma } from '../db/client.ts'
import type { Team } from '../generated/prisma/client.ts'
import { utcDay } from '../policy/period.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { ACTIVE_STATES } from './states.ts'

interface QuotaCheck { team: Team, keyId: string, jobId: string, now: Date }

function secondsUntilTomorrow (now: Date): string {
  return String(Math.ceil((utcDay(now).getTime() + 86_400_000 - now.getTime()) / 1000))
}

interface Scope { name: 'team' | 'key', column: Prisma.Sql, id: string, concurrent: number | null, daily: number | null }

interface Counts { active: number | null, today: number | null }

// every count the scopes ask for, in one statement (jobs of the day: created since UTC midnight, not refused)
async function countJobs (tx: Prisma.TransactionClient, scopes: Scope[], now: Date): Promise<Counts[]> {
  const count = (s: Scope, wanted: number | null, where: Prisma.Sql) => wanted === null
    ? Prisma.sql`NULL::int`
    : Prisma.sql`(SELECT count(*)::int FROM jobs WHERE ${s.column} = ${s.id}::uuid AND ${where})`
  const columns = scopes.map(s => Prisma.sql`json_build_object(
    'active', ${count(s, s.concurrent, Prisma.sql`state = ANY(${[...ACTIVE_STATES]}::"JobState"[])`)},
    'today', ${count(s, s.daily, Prisma.sql`created_at >= ${utcDay(now).toISOString()}::timestamptz AND state <> 'rejected'`)})`)
  const [row] = await tx.$queryRaw<Array<{ counts: Counts[] }>>`SELECT json_build_array(${Prisma.join(columns)}) AS counts`
  return row?.counts ?? []
}

interface QuotaColumns {
  team_concurrent: number | null
  team_daily: number | null
  key_concurrent: number | null
  key_daily: number | null
}

// Read in the transaction, after the job's insert: its foreign-key lock (KEY SHARE on the team and key rows) makes an
// admin's quota change (FOR UPDATE on the row) wait for this create, and a change committed before is seen here, so
// no create counts against a quota it did not see while another, seeing it, counts without this create's job.
async function readQuotas (tx: Prisma.TransactionClient, teamId: string, keyId: string): Promise<QuotaColumns> {
  const [row] = await tx.$queryRaw<QuotaColumns[]>`
    SELECT t.max_concurrent_jobs AS team_concurrent, t.max_jobs_per_day AS team_daily,
      k.max_concurrent_jobs AS key_concurrent, k.max_jobs_per_day AS key_daily
    FROM teams t, api_keys k WHERE t.id = ${teamId}::uuid AND k.id = ${keyId}::uuid`
  if (!row) throw new Error(`team ${teamId} or key ${keyId} vanished inside its own create`)
  return row
}

export async function checkQuotas (tx: Prisma.TransactionClient, { team, keyId, now }: QuotaCheck): Promise<void> {
  const quotas = await readQuotas(tx, team.id, keyId)
  const scopes: Scope[] = [
    { name: 'team', column: Prisma.sql`team_id`, id: team.id, concurrent: quotas.team_concurrent, daily: quotas.team_daily },
    { name: 'key', column: Prisma.sql`api_key_id`, id: keyId, concurrent: quotas.key_concurrent, daily: quotas.key_daily }
  ]
  if (scopes.every(s => s.concurrent === null && s.daily === null)) return
  // the usage row's lock is per period: the team row's serialises the counts of creates straddling a period start too
  // NO KEY UPDATE: it must not wait for the KEY SHARE locks that inserting jobs (foreign key) takes on the team row
  await tx.$executeRaw`SELECT 1 FROM teams WHERE id = ${team.id}::uuid FOR NO KEY UPDATE`
  // a statement after the lock's, so that it sees every job committed by the creates it waited for
  const counts = await countJobs(tx, scopes, now)
  scopes.forEach((scope, i) => {
    const { active, today } = counts[i] ?? { active: null, today: null }
    if (scope.concurrent !== null && active !== null && active > scope.concurrent) {
      throw new GatewayError('concurrent_jobs_quota', scope.concurrent, scope.name)
        .with({ headers: { 'retry-after': '10' } })
    }
    if (scope.daily !== null && today !== null && today > scope.daily) {
      throw new GatewayError('daily_jobs_quota', scope.daily, scope.name)
        .with({ headers: { 'retry-after': secondsUntilTomorrow(now) } })
    }
  })
}
