import { sessionExpiry, type Session } from "../domain/auth";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";

export type OwnSession = Session & { expiresAt: Date; current: boolean };
export type ListOwnSessions = (context: CallContext) => Promise<OwnSession[]>;

/** The caller's live sessions, most recently active first, marking the one making this request. */
export function makeListOwnSessions({ unitOfWork, clock }: { unitOfWork: UnitOfWork; clock: Clock }): ListOwnSessions {
  return async (context) => {
    const { principal } = context;
    if (principal.kind !== "user") return [];
    const sessions = await unitOfWork.run(({ sessions }) => sessions.listForUser(principal.userId), {
      signal: context.signal,
    });
    const now = clock.now();
    return sessions
      .map((session) => ({ ...session, expiresAt: sessionExpiry(session), current: session.id === principal.sessionId }))
      .filter((session) => session.expiresAt > now);
  };
}
