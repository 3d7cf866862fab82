import type { Db } from '../../db/client.ts'
import type { JobService } from '../../control/jobs.ts'
import type { KeyService } from '../../control/keys.ts'
import type { TeamService } from '../../control/teams.ts'
import type { UsageService } from '../../control/usage.ts'
import type { WebhookService } from '../../webhooks/endpoints.ts'
import type { ReportService } from '../../reports/service.ts'

/** What the admin route files are given: the control services, the finance reports, and the database for the audit log reader. */
export interface AdminServices {
  teams: TeamService
  keys: KeyService
  usage: UsageService
  webhooks: WebhookService
  jobs: JobService
  reports: ReportService
  db: Db
}
