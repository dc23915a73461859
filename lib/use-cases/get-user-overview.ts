import type { AuditEntry } from "../domain/audit";
import { sessionExpiry, type Session } from "../domain/auth";
import { UserNotFoundError } from "../domain/errors";
import { roleHas, type Permission } from "../domain/permissions";
import type { User } from "../domain/user";
import type { Clock } from "../ports/clock";
import type { UnitOfWork } from "../ports/unit-of-work";
import type { CallContext } from "./call-context";
import type { EvaluateUserFlags, UserFlagEvaluation } from "./evaluate-user-flags";
import { fanOut } from "./fan-out";

/**
 * The parts of a user's overview, in the order they start, each with the permission that guards the same data
 * elsewhere: the user as GET /users/{id} shows it; the audit log's entries about them, as GET /audit-events
 * (audit:read, ADMIN); their sessions, with client addresses and browsers (sessions:read, ADMIN); each flag's
 * variation for them and why, as GET /users/{id}/flags (flags:read). A part the caller's role may not see is not
 * fetched at all, and the answer says it was left out.
 */
export const OVERVIEW_PARTS = [
  { part: "user", permission: "users:read" },
  { part: "audit", permission: "audit:read" },
  { part: "sessions", permission: "sessions:read" },
  { part: "flags", permission: "flags:read" },
] as const satisfies readonly { part: string; permission: Permission }[];
export type OverviewPart = (typeof OVERVIEW_PARTS)[number]["part"];

/** How many audit entries the overview shows; the listing goes on at GET /audit-events with `nextCursor`. */
export const OVERVIEW_AUDIT_LIMIT = 20;

/**
 * How many parts of one overview may run at once. Each part is a unit of work holding a database connection
 * while it runs: 2 of 3 keeps a burst of overviews from taking the whole pool (DB_POOL_SIZE, 10 by default),
 * while the user and the audit page, the parts every overview has, still overlap.
 */
export const OVERVIEW_CONCURRENCY = 2;

export type OverviewSession = Session & { expiresAt: Date };

export interface UserOverview {
  user: User;
  /** The newest audit entries about the user; absent when the caller's role may not read the audit log. */
  audit?: { items: AuditEntry[]; nextCursor: string | null };
  /** The user's live sessions, most recently active first; absent when the caller's role may not see them. */
  sessions?: OverviewSession[];
  /** Each flag's variation for the user and the reason; absent when the caller's role may not read flags. */
  flags?: UserFlagEvaluation[];
  /** The parts left out, and the permission each would need. */
  omitted: { part: OverviewPart; permission: Permission }[];
}

export type GetUserOverview = (id: string, context: CallContext) => Promise<UserOverview>;

/**
 * A user and what surrounds them, fetched concurrently (at most `concurrency` parts at once, each in its own
 * unit of work) under the caller's signal (the request's deadline). The first part to fail stops the others and
 * the overview fails with that error, marked with its part (lib/use-cases/fan-out.ts): 404 for an unknown user
 * names `user`, a failing sessions query names `sessions`.
 */
export function makeGetUserOverview({
  unitOfWork,
  clock,
  evaluateUserFlags,
  concurrency = OVERVIEW_CONCURRENCY,
}: {
  unitOfWork: UnitOfWork;
  clock: Clock;
  evaluateUserFlags: EvaluateUserFlags;
  concurrency?: number;
}): GetUserOverview {
  return async (id, context) => {
    const may = (part: OverviewPart) => roleHas(context.principal.role, permissionOf(part));
    const { user, audit, sessions, flags } = await fanOut(
      {
        user: (signal: AbortSignal) =>
          unitOfWork.run(
            async ({ users }) => {
              const found = await users.getById(id);
              if (!found) throw new UserNotFoundError(id);
              return found;
            },
            { signal },
          ),
        ...(may("audit") && {
          audit: (signal: AbortSignal) =>
            unitOfWork.run(({ audit }) => audit.list({ targetType: "user", targetId: id, limit: OVERVIEW_AUDIT_LIMIT }), {
              signal,
            }),
        }),
        ...(may("sessions") && {
          sessions: (signal: AbortSignal) => unitOfWork.run(({ sessions }) => sessions.listForUser(id), { signal }),
        }),
        ...(may("flags") && { flags: (signal: AbortSignal) => evaluateUserFlags(id, { ...context, signal }) }),
      },
      { concurrency, signal: context.signal },
    );
    const now = clock.now();
    return {
      user,
      ...(audit && { audit }),
      ...(sessions && {
        sessions: sessions
          .map((session) => ({ ...session, expiresAt: sessionExpiry(session) }))
          .filter((session) => session.expiresAt > now),
      }),
      ...(flags && { flags }),
      omitted: OVERVIEW_PARTS.filter(({ part }) => !may(part)).map(({ part, permission }) => ({ part, permission })),
    };
  };
}

function permissionOf(part: OverviewPart): Permission {
  const entry = OVERVIEW_PARTS.find((candidate) => candidate.part === part);
  if (!entry) throw new Error(`unreachable: ${part} is not an overview part`);
  return entry.permission;
}
