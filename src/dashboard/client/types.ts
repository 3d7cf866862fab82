// What the dashboard reads: the admin and reports APIs' own schema types (erased from the bundle), and the report
// dimensions.
import type { AuditEventView } from '../../admin/audit/schemas.ts'
import type { JobDetailView, JobView } from '../../admin/jobs/schemas.ts'
import type { KeyView, KeyWithSecret } from '../../admin/keys/schemas.ts'
import type { TeamView } from '../../admin/teams/schemas.ts'
import type { UsageView } from '../../admin/usage/schemas.ts'
import type { Page } from '../../admin/page.ts'
import type { Whoami } from '../../admin/whoami/schemas.ts'
import type {
  AccountSection, BudgetsReport, Money, ReconciliationReport, SpendReport, SpendRow, TeamBudget
} from '../../reports/schemas.ts'

export type {
  AccountSection, AuditEventView, BudgetsReport, JobDetailView, JobView, KeyView, KeyWithSecret, Money,
  ReconciliationReport, SpendReport, SpendRow, TeamBudget, TeamView, UsageView, Page, Whoami
}
export { DIMENSIONS, type Dimension } from '../../reports/group-by.ts'
