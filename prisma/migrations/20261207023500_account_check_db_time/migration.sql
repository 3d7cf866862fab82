-- The database's clock at each account check: a drift persists only when seen at two checks far enough apart by
-- one clock, whichever replica (and its clock) ran them.
ALTER TABLE "account_checks" ADD COLUMN "db_checked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now();
