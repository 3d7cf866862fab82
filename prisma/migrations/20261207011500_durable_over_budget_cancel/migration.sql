-- CreateEnum
CREATE TYPE "OverBudgetCancel" AS ENUM ('pending', 'confirmed', 'overtaken');

-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "over_budget_cancel" "OverBudgetCancel",
ADD COLUMN     "cancel_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "cancel_next_at" TIMESTAMPTZ(3),
ADD COLUMN     "cancel_error" TEXT,
ADD COLUMN     "overspent_credits" DECIMAL(18,4);

-- CreateIndex
CREATE INDEX "jobs_over_budget_cancel_cancel_next_at_idx" ON "jobs"("over_budget_cancel", "cancel_next_at");
