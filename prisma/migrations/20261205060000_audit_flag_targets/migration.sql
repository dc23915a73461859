-- Audit entries about feature flags (issue 9) name the flag by its key: target_id holds a uuid or a key.
-- AlterTable
ALTER TABLE "audit_entries" ALTER COLUMN "target_id" SET DATA TYPE VARCHAR(100);
