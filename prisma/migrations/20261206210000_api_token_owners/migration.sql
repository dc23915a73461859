-- Issue 18: API tokens belong to the ADMIN who created them and always expire.

-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN     "owner_id" UUID;

-- The owner is the user whose email the token recorded as its creator (emails are stored lower-case).
UPDATE "api_tokens" AS t SET "owner_id" = u."id" FROM "users" AS u WHERE u."email" = lower(t."created_by");

-- A token whose owner cannot be found, or who may no longer hold tokens (not an active ADMIN: demoted, disabled
-- or deleted), is revoked now, as the app revokes them from now on.
UPDATE "api_tokens" AS t SET "revoked_at" = now()
WHERE t."revoked_at" IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "users" AS u
    WHERE u."id" = t."owner_id" AND u."role" = 'ADMIN' AND u."status" = 'ACTIVE' AND u."deleted_at" IS NULL
  );

-- Every token expires: none later than 90 days from now (the default of API_TOKEN_MAX_LIFETIME_DAYS).
UPDATE "api_tokens" SET "expires_at" = now() + interval '90 days'
WHERE "expires_at" IS NULL OR "expires_at" > now() + interval '90 days';

ALTER TABLE "api_tokens" ALTER COLUMN "expires_at" SET NOT NULL;

-- CreateIndex
CREATE INDEX "api_tokens_owner_id_idx" ON "api_tokens"("owner_id");

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
