import type { CredentialChange, CredentialChangeNotices } from "../../ports/credential-cache";
import { CREDENTIAL_CHANGES_CHANNEL, encodeCredentialChanges } from "../pg/credential-change-messages";
import type { Prisma } from "./generated/client.ts";

/**
 * Credential changes announced with `pg_notify` inside the unit's transaction: PostgreSQL delivers the message to
 * every listening replica when the transaction commits, and drops it when it rolls back, so a change cannot
 * commit unannounced, whatever happens to this process afterwards (as flag changes are announced, issue 9).
 * On PGlite the message reaches no one (one process) and costs one statement.
 */
export class PrismaCredentialChangeNotices implements CredentialChangeNotices {
  constructor(
    private readonly tx: Prisma.TransactionClient,
    /** Throws once the unit of work has been given up on, so no further query is sent. */
    private readonly guard: () => void,
  ) {}

  async announce(changes: readonly CredentialChange[]): Promise<void> {
    if (changes.length === 0) return;
    this.guard();
    await this.tx.$executeRaw`SELECT pg_notify(${CREDENTIAL_CHANGES_CHANNEL}, ${encodeCredentialChanges(changes)})`;
  }
}
