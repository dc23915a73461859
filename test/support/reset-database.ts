/**
 * Empties every table between contract tests. The audit log refuses TRUNCATE (an append-only trigger, see the
 * auth migration), so its user triggers are switched off for the statement; the tests run as the owner.
 */
export const RESET_STATEMENTS = [
  `ALTER TABLE "audit_entries" DISABLE TRIGGER USER`,
  `TRUNCATE "audit_entries", "sign_in_failures", "api_tokens", "idempotency_keys", "import_jobs", "feature_flags", "flag_evaluation_counts", "outbox", "outbox_subjects", "webhook_endpoints", "users" CASCADE`,
  `ALTER TABLE "audit_entries" ENABLE TRIGGER USER`,
] as const;

export async function resetDatabase(execute: (sql: string) => Promise<unknown>): Promise<void> {
  for (const statement of RESET_STATEMENTS) await execute(statement);
}
