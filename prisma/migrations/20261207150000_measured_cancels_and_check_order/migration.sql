-- Gateway DELETEs measured against the account balance: the refund a cancel gave back, whatever cost_usd reports.
ALTER TABLE "jobs" ADD COLUMN "cancel_refund_measured" DECIMAL(18,4);

CREATE TABLE "cancel_brackets" (
    "id" BIGSERIAL NOT NULL,
    "job_id" UUID NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),
    "balance_before" DECIMAL(18,4),
    "balance_after" DECIMAL(18,4),
    "intruders" INTEGER NOT NULL DEFAULT 0,
    "outcome" TEXT,
    "note" TEXT,
    CONSTRAINT "cancel_brackets_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "cancel_brackets_job_id_idx" ON "cancel_brackets"("job_id");
CREATE INDEX "cancel_brackets_closed_at_idx" ON "cancel_brackets"("closed_at");

-- The first account check whose totals include a job's end: which ended jobs a drift can be about, by the checks'
-- order rather than the replicas' clocks. Jobs that ended before this migration count as checked already.
ALTER TABLE "jobs" ADD COLUMN "account_check_id" BIGINT;
UPDATE "jobs" SET "account_check_id" = 0 WHERE "state" IN ('failed', 'cancelled');
CREATE INDEX "jobs_state_account_check_id_idx" ON "jobs"("state", "account_check_id");

-- which checks corrected jobs: an agreement a check made itself
CREATE INDEX "account_corrections_check_id_idx" ON "account_corrections"("check_id");
