import type { UnitOfWork } from "../ports/unit-of-work";
import { auditBy, type CallContext } from "./call-context";

export type SignOut = (context: CallContext) => Promise<void>;

/** Ends the caller's browser session (a token caller has none: nothing happens). */
export function makeSignOut({ unitOfWork }: { unitOfWork: UnitOfWork }): SignOut {
  return async (context) => {
    const { principal } = context;
    if (principal.kind !== "user") return;
    await unitOfWork.run(
      async ({ sessions, audit }) => {
        if (!(await sessions.delete(principal.sessionId))) return;
        await audit.append({ action: "session.signed_out", ...auditBy(context), target: { type: "user", id: principal.userId } });
      },
      { signal: context.signal },
    );
  };
}
