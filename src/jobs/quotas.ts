// Concurrency and daily quotas, counted inside the hold transaction after the usage row is locked, so that
// concurrent creates for one team (on any replica) are counted one after another and cannot slip past together.
import type { Prisma } from '../db/client.ts'
import type { Team } from '../generated/prisma/client.ts'
import { utcDay } from '../policy/period.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { ACTIVE_STATES } from './states.ts'

interface QuotaCheck { team: Team, keyId: string, jobId: string, now: Date }

function secondsUntilTomorrow (now: Date): string {
  return String(Math.ceil((utcDay(now).getTime() + 86_400_000 - now.getTime()) / 1000))
}

export async function checkQuotas (tx: Prisma.TransactionClient, { team, keyId, now }: QuotaCheck): Promise<void> {
  const key = await tx.apiKey.findUniqueOrThrow({ where: { id: keyId } })
  const anyQuota = [team.maxConcurrentJobs, team.maxJobsPerDay, key.maxConcurrentJobs, key.maxJobsPerDay]
    .some(q => q !== null)
  if (!anyQuota) return
  // the usage row's lock is per period: two creates straddling a period start would count past each other
  // NO KEY UPDATE: it must not wait for the KEY SHARE locks that inserting jobs (foreign key) takes on the team row
  await tx.$executeRaw`SELECT 1 FROM teams WHERE id = ${team.id}::uuid FOR NO KEY UPDATE`
  const scopes = [
    { name: 'team', where: { teamId: team.id }, concurrent: team.maxConcurrentJobs, daily: team.maxJobsPerDay },
    { name: 'key', where: { apiKeyId: keyId }, concurrent: key.maxConcurrentJobs, daily: key.maxJobsPerDay }
  ]
  for (const scope of scopes) {
    if (scope.concurrent !== null) {
      const active = await tx.job.count({ where: { ...scope.where, state: { in: [...ACTIVE_STATES] } } })
      if (active > scope.concurrent) {
        throw new GatewayError('concurrent_jobs_quota', scope.concurrent, scope.name)
          .with({ headers: { 'retry-after': '10' } })
      }
    }
    if (scope.daily !== null) {
      const today = await tx.job.count({ where: { ...scope.where, createdAt: { gte: utcDay(now) }, state: { not: 'rejected' } } })
      if (today > scope.daily) {
        throw new GatewayError('daily_jobs_quota', scope.daily, scope.name)
          .with({ headers: { 'retry-after': secondsUntilTomorrow(now) } })
      }
    }
  }
}
