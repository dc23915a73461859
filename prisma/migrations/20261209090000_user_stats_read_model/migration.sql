-- The dashboard's read model (issue 21, docs/decisions/018-user-stats-read-model.md): counts of users by status and
-- by role (not deleted) and signups per UTC day (deleted included), kept as insert-only deltas that a read sums.
-- A key is 'status:ACTIVE', 'role:ADMIN' or 'signup:2026-12-07'. Triggers on "users" add a row per key a write
-- changed, so no write waits on a shared counter row; the periodic clean-up folds old deltas into one row per key.
CREATE TABLE "user_stat_deltas" (
    "id" BIGSERIAL NOT NULL,
    "key" VARCHAR(40) NOT NULL,
    "n" INTEGER NOT NULL,

    CONSTRAINT "user_stat_deltas_pkey" PRIMARY KEY ("id")
);

-- Every key a user row counts under: its signup day always, its status and role unless soft-deleted.
CREATE FUNCTION "user_stat_keys"(status "UserStatus", role "Role", deleted_at TIMESTAMPTZ, created_at TIMESTAMPTZ)
RETURNS TABLE ("key" TEXT) LANGUAGE sql STABLE AS $$
  SELECT 'signup:' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
  UNION ALL SELECT 'status:' || status WHERE deleted_at IS NULL
  UNION ALL SELECT 'role:' || role WHERE deleted_at IS NULL
$$;

-- Prisma does not model triggers or functions; `migrate diff` ignores them (as the audit log's, 20261125080000).
-- Inserts and deletes: once per statement, over its transition table (an import batch of 1,000 users adds a few
-- rows, not 3,000).
CREATE FUNCTION "user_stat_deltas_from_statement"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "user_stat_deltas" ("key", "n")
      SELECT k."key", count(*) FROM "new_rows" u, "user_stat_keys"(u."status", u."role", u."deleted_at", u."created_at") k
      GROUP BY k."key";
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "user_stat_deltas" ("key", "n")
      SELECT k."key", -count(*) FROM "old_rows" u, "user_stat_keys"(u."status", u."role", u."deleted_at", u."created_at") k
      GROUP BY k."key";
  ELSE -- TRUNCATE: no user is left to count
    DELETE FROM "user_stat_deltas";
  END IF;
  RETURN NULL;
END
$$;

-- Updates: per row, and only for a row whose role, status or deletion changed (the trigger's WHEN, checked without
-- calling the function): a rename, a sign-in or a version bump costs nothing. Updates change one user per
-- statement here (bulk actions included), so a statement trigger would only add its transition tables' cost.
CREATE FUNCTION "user_stat_deltas_from_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "user_stat_deltas" ("key", "n")
    SELECT c."key", sum(c."n") FROM (
      SELECT k."key", 1 AS "n" FROM "user_stat_keys"(NEW."status", NEW."role", NEW."deleted_at", NEW."created_at") k
      UNION ALL
      SELECT k."key", -1 FROM "user_stat_keys"(OLD."status", OLD."role", OLD."deleted_at", OLD."created_at") k
    ) c
    GROUP BY c."key" HAVING sum(c."n") <> 0;
  RETURN NULL;
END
$$;

CREATE TRIGGER "user_stat_deltas_insert" AFTER INSERT ON "users" REFERENCING NEW TABLE AS "new_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "user_stat_deltas_from_statement"();
CREATE TRIGGER "user_stat_deltas_update" AFTER UPDATE ON "users" FOR EACH ROW
  WHEN (OLD."role" IS DISTINCT FROM NEW."role" OR OLD."status" IS DISTINCT FROM NEW."status"
        OR (OLD."deleted_at" IS NULL) <> (NEW."deleted_at" IS NULL) OR OLD."created_at" IS DISTINCT FROM NEW."created_at")
  EXECUTE FUNCTION "user_stat_deltas_from_update"();
CREATE TRIGGER "user_stat_deltas_delete" AFTER DELETE ON "users" REFERENCING OLD TABLE AS "old_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "user_stat_deltas_from_statement"();
CREATE TRIGGER "user_stat_deltas_truncate" AFTER TRUNCATE ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION "user_stat_deltas_from_statement"();

-- The users there already, counted once.
INSERT INTO "user_stat_deltas" ("key", "n")
  SELECT k."key", count(*) FROM "users" u, "user_stat_keys"(u."status", u."role", u."deleted_at", u."created_at") k
  GROUP BY k."key";
