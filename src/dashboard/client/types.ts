// What the dashboard reads: the admin and reports APIs' own schema types (erased from the bundle), and the report
// dimensions.
import type { AuditEventView } from '../../control/audit-schemas.ts'
import type { JobDetailView, JobView } from '../../control/job-schemas.ts'
import type { KeyView, KeyWithSecret } from '../../control/key-schemas.ts'
import type { TeamView } from '../../control/team-schemas.ts'
import type { UsageView } from '../../control/usage-schemas.ts'
import type { Page } from '../../control/pagination.ts'
import type { Whoami } from '../../control/whoami-schemas.ts'
import type { BudgetsReport, Money, SpendReport, SpendRow, TeamBudget } from '../../reports/schemas.ts'

export type { AuditEventView, BudgetsReport, JobDetailView, JobView, KeyView, KeyWithSecret, Money, SpendReport, SpendRow, TeamBudget, TeamView, UsageView, Page, Whoami }
export { DIMENSIONS, type Dimension } from '../../reports/group-by.ts'
