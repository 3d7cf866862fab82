import type { Db } from '../../db/client.ts'
import type { AccountService } from '../../admin/account/service.ts'
import type { JobService } from '../../admin/jobs/service.ts'
import type { KeyService } from '../../admin/keys/service.ts'
import type { TeamService } from '../../admin/teams/service.ts'
import type { UsageService } from '../../admin/usage/service.ts'
import type { WebhookService } from '../../webhooks/service.ts'
import type { ReportService } from '../../reports/service.ts'

/**
 * What the admin route files are given: the control services, the finance reports, and the database for the audit
 * log reader.
 */
export interface AdminServices {
  teams: TeamService
  keys: KeyService
  usage: UsageService
  webhooks: WebhookService
  jobs: JobService
  reports: ReportService
  account: AccountService
  db: Db
}
