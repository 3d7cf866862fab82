-- CreateEnum
CREATE TYPE "BudgetPeriod" AS ENUM ('day', 'week', 'month');

-- CreateEnum
CREATE TYPE "BudgetMode" AS ENUM ('hard', 'soft');

-- CreateEnum
CREATE TYPE "JobState" AS ENUM ('pending', 'unknown', 'queued', 'processing', 'finished', 'failed', 'cancelled', 'rejected');

-- CreateEnum
CREATE TYPE "MediaKind" AS ENUM ('video', 'restored_video');

-- CreateEnum
CREATE TYPE "LedgerKind" AS ENUM ('hold', 'charge', 'release', 'refund', 'adjust');

-- CreateTable
CREATE TABLE "teams" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "budget_credits" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "budget_period" "BudgetPeriod" NOT NULL DEFAULT 'month',
    "budget_mode" "BudgetMode" NOT NULL DEFAULT 'hard',
    "overdraft_credits" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "alert_thresholds" INTEGER[] DEFAULT ARRAY[50, 80, 100]::INTEGER[],
    "max_job_cost" DECIMAL(18,4),
    "requests_per_minute" INTEGER,
    "key_requests_per_minute" INTEGER,
    "max_concurrent_jobs" INTEGER,
    "max_jobs_per_day" INTEGER,
    "option_policy" JSONB NOT NULL DEFAULT '{}',
    "url_policy" JSONB NOT NULL DEFAULT '{}',
    "retention_days" INTEGER,
    "max_upload_bytes" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "team_id" UUID,
    "name" TEXT NOT NULL,
    "public_id" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "previous_secret_hash" TEXT,
    "previous_expires_at" TIMESTAMPTZ(3),
    "scopes" TEXT[],
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "requests_per_minute" INTEGER,
    "max_concurrent_jobs" INTEGER,
    "max_jobs_per_day" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "api_key_id" UUID NOT NULL,
    "upstream_id" INTEGER,
    "source" TEXT NOT NULL,
    "state" "JobState" NOT NULL DEFAULT 'pending',
    "request" JSONB NOT NULL,
    "video_url" TEXT,
    "ml_models" INTEGER[],
    "preview" BOOLEAN NOT NULL DEFAULT false,
    "period_start" DATE NOT NULL,
    "estimated_cost" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "actual_cost" DECIMAL(18,4),
    "refunded_cost" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "snapshot" JSONB,
    "progress" DOUBLE PRECISION,
    "output_video_id" INTEGER,
    "error" TEXT,
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "response_status" INTEGER,
    "response_body" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "submitted_at" TIMESTAMPTZ(3),
    "last_synced_at" TIMESTAMPTZ(3),
    "next_sync_at" TIMESTAMPTZ(3),
    "sync_attempts" INTEGER NOT NULL DEFAULT 0,
    "finished_at" TIMESTAMPTZ(3),
    "retention_deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entries" (
    "id" BIGSERIAL NOT NULL,
    "team_id" UUID NOT NULL,
    "job_id" UUID,
    "api_key_id" UUID,
    "kind" "LedgerKind" NOT NULL,
    "amount" DECIMAL(18,4) NOT NULL,
    "period_start" DATE NOT NULL,
    "reason" TEXT NOT NULL,
    "actor_key_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "team_period_usage" (
    "team_id" UUID NOT NULL,
    "period_start" DATE NOT NULL,
    "charged" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "held" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "adjusted" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "team_period_usage_pkey" PRIMARY KEY ("team_id","period_start")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "actor_key_id" UUID,
    "actor_name" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "request_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "media_objects" (
    "id" BIGSERIAL NOT NULL,
    "team_id" UUID NOT NULL,
    "kind" "MediaKind" NOT NULL,
    "upstream_id" INTEGER NOT NULL,
    "job_id" UUID,
    "snapshot" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "media_objects_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "teams_slug_key" ON "teams"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_public_id_key" ON "api_keys"("public_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_team_id_name_key" ON "api_keys"("team_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "jobs_upstream_id_key" ON "jobs"("upstream_id");

-- CreateIndex
CREATE INDEX "jobs_team_id_created_at_idx" ON "jobs"("team_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "jobs_state_next_sync_at_idx" ON "jobs"("state", "next_sync_at");

-- CreateIndex
CREATE INDEX "jobs_api_key_id_idx" ON "jobs"("api_key_id");

-- CreateIndex
CREATE UNIQUE INDEX "jobs_team_id_idempotency_key_key" ON "jobs"("team_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "ledger_entries_team_id_created_at_idx" ON "ledger_entries"("team_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "ledger_entries_job_id_idx" ON "ledger_entries"("job_id");

-- CreateIndex
CREATE INDEX "ledger_entries_api_key_id_idx" ON "ledger_entries"("api_key_id");

-- CreateIndex
CREATE INDEX "audit_events_created_at_idx" ON "audit_events"("created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_actor_key_id_created_at_idx" ON "audit_events"("actor_key_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_target_type_target_id_idx" ON "audit_events"("target_type", "target_id");

-- CreateIndex
CREATE INDEX "media_objects_team_id_kind_created_at_idx" ON "media_objects"("team_id", "kind", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "media_objects_kind_upstream_id_key" ON "media_objects"("kind", "upstream_id");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_period_usage" ADD CONSTRAINT "team_period_usage_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "media_objects" ADD CONSTRAINT "media_objects_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
