-- Account reconciliation: checks of the balance of the master account, jobs outside the gateway, the observed
-- end-of-job semantics, the corrections they caused, and operator-recorded top-ups.

-- CreateTable
CREATE TABLE "account_checks" (
    "id" BIGSERIAL NOT NULL,
    "checked_at" TIMESTAMPTZ(3) NOT NULL,
    "balance" DECIMAL(18,4) NOT NULL,
    "ledger_net" DECIMAL(18,4) NOT NULL,
    "outside_cost" DECIMAL(18,4) NOT NULL,
    "top_ups" DECIMAL(18,4) NOT NULL,
    "interval_drift" DECIMAL(18,4) NOT NULL,
    "cumulative_drift" DECIMAL(18,4) NOT NULL,
    "creates_in_flight" INTEGER NOT NULL,
    "listed_jobs" INTEGER NOT NULL,
    "listing_complete" BOOLEAN NOT NULL,
    "alerted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "account_checks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_outside_jobs" (
    "upstream_id" INTEGER NOT NULL,
    "status" INTEGER NOT NULL,
    "cost_usd" DECIMAL(18,4) NOT NULL,
    "counted" DECIMAL(18,4) NOT NULL,
    "attributed" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "snapshot" JSONB NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "claimed_at" TIMESTAMPTZ(3),

    CONSTRAINT "account_outside_jobs_pkey" PRIMARY KEY ("upstream_id")
);

-- CreateTable
CREATE TABLE "account_semantics" (
    "subject" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "evidence" JSONB,
    "observed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_semantics_pkey" PRIMARY KEY ("subject")
);

-- CreateTable
CREATE TABLE "account_corrections" (
    "id" BIGSERIAL NOT NULL,
    "check_id" BIGINT NOT NULL,
    "job_id" UUID,
    "upstream_id" INTEGER,
    "kind" TEXT NOT NULL,
    "amount" DECIMAL(18,4) NOT NULL,
    "reason" TEXT NOT NULL,
    "apportioned" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_corrections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_top_ups" (
    "id" UUID NOT NULL,
    "amount" DECIMAL(18,4) NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "note" TEXT NOT NULL,
    "actor_key_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_top_ups_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "account_checks_checked_at_idx" ON "account_checks"("checked_at" DESC);

-- CreateIndex
CREATE INDEX "account_outside_jobs_first_seen_at_idx" ON "account_outside_jobs"("first_seen_at");

-- CreateIndex
CREATE INDEX "account_corrections_job_id_idx" ON "account_corrections"("job_id");

-- CreateIndex
CREATE INDEX "account_corrections_created_at_idx" ON "account_corrections"("created_at");

-- CreateIndex
CREATE INDEX "account_top_ups_at_idx" ON "account_top_ups"("at");

-- The beliefs exist from the start, so that a settlement (FOR SHARE) and a switch (FOR UPDATE) always lock a row.
-- Values: the assumptions made so far. The configuration may replace them at startup, an account check by observation.
INSERT INTO "account_semantics" ("subject", "value", "source") VALUES
    ('failed', 'refunded', 'assumed'),
    ('cancelled', 'as_reported', 'assumed');
