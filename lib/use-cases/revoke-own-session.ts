import { SessionNotFoundError } from "../domain/errors";
import type { UnitOfWork } from "../ports/unit-of-work";
import { auditBy, type CallContext } from "./call-context";

export type RevokeOwnSession = (sessionId: string, context: CallContext) => Promise<void>;

/** Ends one of the caller's own sessions (another browser, a lost laptop). Someone else's is "not found". */
export function makeRevokeOwnSession({ unitOfWork }: { unitOfWork: UnitOfWork }): RevokeOwnSession {
  return async (sessionId, context) => {
    const { principal } = context;
    if (principal.kind !== "user") throw new SessionNotFoundError();
    await unitOfWork.run(
      async ({ sessions, audit }) => {
        const session = await sessions.get(sessionId);
        if (!session || session.userId !== principal.userId) throw new SessionNotFoundError();
        await sessions.delete(sessionId);
        await audit.append({
          action: "session.revoked",
          ...auditBy(context),
          target: { type: "user", id: principal.userId },
          data: { session: { createdAt: session.createdAt, userAgent: session.userAgent, ip: session.ip } },
        });
      },
      { signal: context.signal },
    );
  };
}
