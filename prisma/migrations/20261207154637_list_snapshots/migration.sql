-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "history_refreshed_at" TIMESTAMPTZ(3),
ADD COLUMN     "history_snapshot" JSONB;

-- AlterTable
ALTER TABLE "media_objects" ADD COLUMN     "refreshed_at" TIMESTAMPTZ(3);
