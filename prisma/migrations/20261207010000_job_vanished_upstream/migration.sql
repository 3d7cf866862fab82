-- AlterEnum
ALTER TYPE "JobState" ADD VALUE 'vanished';

-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "not_found_polls" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "not_found_since" TIMESTAMPTZ(3);
